//! One way to take a lock. The sandbox's mutexes guard tables (connections,
//! call counters, injected faults) that stay consistent even if a holder
//! panicked, so a poisoned lock is taken as it is instead of spreading the
//! panic to every later request. (A copy of the library's helper: the
//! sandbox depends on nothing in `wsconform`.)

use std::sync::{Mutex, MutexGuard};

pub(crate) trait Locked<T> {
    /// The guard, poisoned or not.
    fn locked(&self) -> MutexGuard<'_, T>;
}

impl<T> Locked<T> for Mutex<T> {
    fn locked(&self) -> MutexGuard<'_, T> {
        self.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poisoned_lock_still_yields_its_value() {
        let m = std::sync::Arc::new(Mutex::new(1));
        let m2 = m.clone();
        let _ = std::thread::spawn(move || {
            let _g = m2.lock().unwrap();
            panic!("poison");
        })
        .join();
        assert!(m.lock().is_err(), "the mutex is poisoned");
        *m.locked() += 1;
        assert_eq!(*m.locked(), 2);
    }
}
