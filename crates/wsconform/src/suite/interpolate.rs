//! `${VAR}` and `${VAR:-default}` in suite values.

/// Expands `${VAR}` and `${VAR:-default}`. Returns the text and the values
/// that came from the environment.
pub fn interpolate(input: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<(String, Vec<String>), String> {
    let mut out = String::with_capacity(input.len());
    let mut from_env = Vec::new();
    let mut rest = input;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix("${") {
            out.push_str("${");
            rest = tail;
        } else if let Some(tail) = after.strip_prefix('{') {
            let end =
                tail.find('}').ok_or("unterminated `${`: add the closing `}` (write `$${` for a literal `${`)")?;
            let expr = &tail[..end];
            let (var, default) = match expr.split_once(":-") {
                Some((v, d)) => (v, Some(d)),
                None => (expr, None),
            };
            if var.is_empty()
                || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                || var.starts_with(|c: char| c.is_ascii_digit())
            {
                return Err(format!("`${{{expr}}}` is not a variable reference: names use letters, digits and `_`"));
            }
            match (env(var), default) {
                (Some(v), _) => {
                    out.push_str(&v);
                    from_env.push(v);
                }
                (None, Some(d)) => out.push_str(d),
                (None, None) => {
                    return Err(format!(
                        "environment variable `{var}` is not set (write `${{{var}:-default}}` to give a default)"
                    ));
                }
            }
            rest = &tail[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok((out, from_env))
}
