//! [`Memo`]: one memoized result per key, so every AWS operation is made
//! once per run however many checks ask (concurrent callers wait for one call).

use crate::sync::Locked;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use super::Res;

/// One memoized value per key; concurrent callers of one key wait for one call.
pub(super) struct Memo<V> {
    cells: Mutex<HashMap<String, Arc<OnceCell<Res<V>>>>>,
}

impl<V: Clone> Memo<V> {
    pub(super) fn new() -> Self {
        Self { cells: Mutex::new(HashMap::new()) }
    }

    pub(super) async fn get<F, Fut>(&self, key: &str, init: F) -> Res<V>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Res<V>>,
    {
        let cell = {
            let mut cells = self.cells.locked();
            cells.entry(key.to_owned()).or_default().clone()
        };
        cell.get_or_init(init).await.clone()
    }

    /// The value of `key` if it was fetched already (never fetches).
    pub(super) fn peek(&self, key: &str) -> Option<Res<V>> {
        let cells = self.cells.locked();
        cells.get(key).and_then(|c| c.get().cloned())
    }

    /// Forgets every value: the next caller of a key fetches it again.
    pub(super) fn clear(&self) {
        self.cells.locked().clear();
    }
}
