//! Request bodies of the REST-XML services (CloudFront, Route 53) as a small tree: element names
//! without their namespace, text with entities resolved. Enough to read what the aws CLI sends
//! for UpdateDistribution and ChangeResourceRecordSets.

use quick_xml::events::Event;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct El {
    pub name: String,
    pub text: String,
    pub children: Vec<El>,
}

impl El {
    pub fn child(&self, name: &str) -> Option<&El> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a El> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text at `path` below this element (`["Aliases", "Quantity"]`), trimmed.
    pub fn text_at(&self, path: &[&str]) -> Option<&str> {
        path.iter().try_fold(self, |el, name| el.child(name)).map(|el| el.text.trim())
    }

    /// The texts of the `item` elements of `Items` below `path` (CloudFront's lists).
    pub fn items(&self, path: &[&str], item: &str) -> Vec<String> {
        path.iter()
            .try_fold(self, |el, name| el.child(name))
            .and_then(|el| el.child("Items"))
            .map(|items| items.all(item).map(|i| i.text.trim().to_owned()).collect())
            .unwrap_or_default()
    }
}

/// The document's root element; `Err` for a body that is not well-formed XML.
pub fn parse(body: &[u8]) -> Result<El, String> {
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut stack: Vec<El> = vec![El::default()];
    let local = |raw: &[u8]| {
        let name = String::from_utf8_lossy(raw);
        name.rsplit(':').next().unwrap_or_default().to_owned()
    };
    let mut buf = Vec::new();
    // Bounded by the body: every event consumes input.
    loop {
        match reader.read_event_into(&mut buf).map_err(|e| e.to_string())? {
            Event::Start(e) => stack.push(El { name: local(e.name().as_ref()), ..El::default() }),
            Event::Empty(e) => {
                let el = El { name: local(e.name().as_ref()), ..El::default() };
                stack.last_mut().ok_or("unbalanced XML")?.children.push(el);
            }
            Event::End(_) => {
                let el = stack.pop().ok_or("unbalanced XML")?;
                stack.last_mut().ok_or("unbalanced XML")?.children.push(el);
            }
            Event::Text(t) => {
                let text = t.decode().map_err(|e| e.to_string())?;
                stack.last_mut().ok_or("unbalanced XML")?.text.push_str(&text);
            }
            Event::CData(t) => {
                let text = String::from_utf8_lossy(&t).into_owned();
                stack.last_mut().ok_or("unbalanced XML")?.text.push_str(&text);
            }
            // quick-xml reports an entity reference as its own event.
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| e.to_string())?;
                let resolved = match r.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| format!("unknown entity &{name};"))?
                        .to_owned(),
                };
                stack.last_mut().ok_or("unbalanced XML")?.text.push_str(&resolved);
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    let mut top = stack.pop().filter(|_| stack.is_empty()).ok_or("unclosed XML element")?;
    top.children.pop().ok_or_else(|| "no root element".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_becomes_a_tree_with_entities_resolved() {
        let xml = br#"<?xml version="1.0"?><DistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Aliases><Quantity>1</Quantity><Items><CNAME>ws.example.com</CNAME></Items></Aliases><Comment>a &amp; b &#65;</Comment><Logging/></DistributionConfig>"#;
        let root = parse(xml).unwrap();
        assert_eq!(root.name, "DistributionConfig");
        assert_eq!(root.items(&["Aliases"], "CNAME"), ["ws.example.com"]);
        assert_eq!(root.text_at(&["Comment"]), Some("a & b A"));
        assert!(root.child("Logging").is_some());
        assert!(parse(b"<a><b></a>").is_err());
        assert!(parse(b"<a>").is_err());
    }
}
