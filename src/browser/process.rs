//! Knowing a browser's processes by PID, so none is left behind: Chromium
//! spawns a zygote, renderers and utility processes; its crashpad handlers
//! are re-parented to PID 1 and exit on their own.

use std::time::{Duration, Instant};

pub struct Tree {
    pid: Option<u32>,
    children: Vec<u32>,
    profile: Option<tempfile::TempDir>,
}

impl Tree {
    pub fn new(pid: Option<u32>, profile: tempfile::TempDir) -> Tree {
        Tree {
            pid,
            children: Vec::new(),
            profile: Some(profile),
        }
    }

    /// A browser we connected to: its processes are not ours to reap.
    pub fn remote() -> Tree {
        Tree {
            pid: None,
            children: Vec::new(),
            profile: None,
        }
    }

    pub fn is_running(&self) -> bool {
        self.pid.is_some_and(alive)
    }

    /// Remember every descendant of the main process as it is now.
    pub fn snapshot_children(&mut self) {
        if let Some(pid) = self.pid {
            self.children = descendants(pid);
        }
    }

    /// Wait for the main process and its remembered descendants to exit,
    /// killing stragglers, then remove the profile folder.
    pub fn reap(&mut self, timeout: Duration) {
        let all: Vec<u32> = self
            .pid
            .into_iter()
            .chain(self.children.iter().copied())
            .collect();
        let started = Instant::now();
        while all.iter().any(|p| alive(*p)) && started.elapsed() < timeout {
            if started.elapsed() > timeout / 2 {
                for p in all.iter().filter(|p| alive(**p)) {
                    // SAFETY: sending a signal to a PID we observed as part of
                    // this browser's tree; no memory is touched.
                    unsafe {
                        libc::kill(*p as libc::pid_t, libc::SIGKILL);
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if let Some(dir) = self.profile.take() {
            let _ = dir.close();
        }
        self.pid = None;
    }
}

fn stat(pid: u32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()
}

/// Running and not a zombie.
pub fn alive(pid: u32) -> bool {
    match stat(pid) {
        Some(s) => s
            .rsplit_once(')')
            .map(|(_, rest)| rest.trim_start())
            .is_some_and(|rest| !rest.starts_with('Z') && !rest.starts_with('X')),
        None => false,
    }
}

fn parent(pid: u32) -> Option<u32> {
    let s = stat(pid)?;
    let (_, rest) = s.rsplit_once(')')?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Every live descendant of `root`.
pub fn descendants(root: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let pairs: Vec<(u32, u32)> = entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| Some((pid, parent(pid)?)))
        .collect();
    let mut out = Vec::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for (child, _) in pairs.iter().filter(|(_, pp)| *pp == p) {
            out.push(*child);
            frontier.push(*child);
        }
    }
    out
}

/// Remove the Chromium profiles (`provrum-chromium-<pid>-…` in the temp
/// folder) of Provrum processes that are gone: one killed with SIGKILL never
/// removed its own. Returns how many were removed.
pub fn sweep_profiles() -> usize {
    let tmp = std::env::temp_dir();
    let Ok(entries) = std::fs::read_dir(&tmp) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(rest) = name
            .to_str()
            .and_then(|n| n.strip_prefix("provrum-chromium-"))
        else {
            continue;
        };
        let Some(owner) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if owner != std::process::id() && !alive(owner) && std::fs::remove_dir_all(e.path()).is_ok()
        {
            removed += 1;
        }
    }
    removed
}
