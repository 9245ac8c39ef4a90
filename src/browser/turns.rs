//! How many browsers one job may have open at once when it has two stages
//! of browser work that can overlap (the release check: the scenario cells,
//! then the capture walks). On two cores a browser keeps about one core busy,
//! so two stages each with a browser per core only take turns (measured:
//! slower both from nothing and after one word, docs/performance.md); one
//! after the other leaves a core idle while the first stage's last cell runs
//! alone. With turns the first stage holds every turn from the start and
//! gives one back each time one of its browsers closes for good; the second
//! stage opens a browser only on a turn, so the job never has more browsers
//! than turns and no core waits for the first stage's tail.

use std::sync::{Arc, Condvar, Mutex};

#[derive(Debug)]
pub struct Turns {
    /// (free, still held by the first stage)
    state: Mutex<(usize, usize)>,
    freed: Condvar,
}

/// A turn taken by the second stage, given back when dropped.
#[derive(Debug)]
pub struct Turn(Arc<Turns>);

impl Turns {
    /// `n` turns, all held by the first stage.
    pub fn held_by_first(n: usize) -> Arc<Turns> {
        Arc::new(Turns {
            state: Mutex::new((0, n.max(1))),
            freed: Condvar::new(),
        })
    }

    /// The first stage closed one of its browsers and opens no other.
    pub fn give_back(&self) {
        self.update(|(free, held)| {
            if *held > 0 {
                *held -= 1;
                *free += 1;
            }
        });
    }

    /// The first stage is over: whatever it still holds is free.
    pub fn release_all(&self) {
        self.update(|(free, held)| {
            *free += *held;
            *held = 0;
        });
    }

    /// Wait for a free turn (the second stage, before it opens a browser).
    pub fn take(self: &Arc<Self>) -> Turn {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while state.0 == 0 {
            state = self.freed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        state.0 -= 1;
        Turn(self.clone())
    }

    fn update(&self, change: impl FnOnce(&mut (usize, usize))) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        change(&mut state);
        drop(state);
        self.freed.notify_all();
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.0.update(|(free, _)| *free += 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    fn until(what: impl Fn() -> bool) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if what() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        false
    }

    #[test]
    fn the_second_stage_waits_for_the_turns_the_first_gives_back() {
        let turns = Turns::held_by_first(2);
        let taken = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let (turns, taken, done) = (turns.clone(), taken.clone(), done.clone());
                std::thread::spawn(move || {
                    let _turn = turns.take();
                    taken.fetch_add(1, Ordering::SeqCst);
                    while !done.load(Ordering::SeqCst) {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(
            taken.load(Ordering::SeqCst),
            0,
            "the first stage holds every turn"
        );
        turns.give_back();
        assert!(until(|| taken.load(Ordering::SeqCst) == 1));
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(
            taken.load(Ordering::SeqCst),
            1,
            "one turn given back, one taken"
        );
        turns.release_all();
        assert!(until(|| taken.load(Ordering::SeqCst) == 2));
        done.store(true, Ordering::SeqCst);
        for w in waiters {
            w.join().unwrap();
        }
        // Every turn is free again; a late give-back adds none.
        turns.give_back();
        assert_eq!(*turns.state.lock().unwrap(), (2, 0));
    }
}
