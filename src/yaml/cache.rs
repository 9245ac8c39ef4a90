//! What was read from rule files (the checklists folder, the release
//! policy), kept while none of those files changes: pages that judge a
//! version (dashboard, desk, meeting brief, release page) ask for the same
//! rules many times per view, and reading and decoding the folder each time
//! cost more than the page itself. A file's stamp is its path, size and
//! modification time; a new, removed, grown or touched file reads all again.

use std::any::Any;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

/// The stamps of the files `paths` names (a missing file stamps as absent).
pub type Stamp = Vec<(PathBuf, Option<(u64, SystemTime)>)>;

pub fn stamp(paths: &[PathBuf]) -> Stamp {
    paths
        .iter()
        .map(|p| {
            let meta = std::fs::metadata(p)
                .ok()
                .and_then(|m| Some((m.len(), m.modified().ok()?)));
            (p.clone(), meta)
        })
        .collect()
}

/// The YAML files of a folder, sorted (what a folder of rules is read from).
pub fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.retain(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")));
    paths.sort();
    paths
}

type Slot = (Stamp, Arc<dyn Any + Send + Sync>);

/// `read()`'s value for `key`, read again only when `stamp` differs from
/// the one it was read at. Errors are not kept: the next call reads again.
pub fn cached<T, E>(
    key: &Path,
    stamp: Stamp,
    read: impl FnOnce() -> Result<T, E>,
) -> Result<Arc<T>, E>
where
    T: Send + Sync + 'static,
{
    static KEPT: OnceLock<Mutex<HashMap<(PathBuf, &'static str), Slot>>> = OnceLock::new();
    let kept = KEPT.get_or_init(Default::default);
    let id = (key.to_path_buf(), std::any::type_name::<T>());
    if let Ok(map) = kept.lock()
        && let Some((s, v)) = map.get(&id)
        && *s == stamp
        && let Ok(v) = v.clone().downcast::<T>()
    {
        return Ok(v);
    }
    let value = Arc::new(read()?);
    if let Ok(mut map) = kept.lock() {
        map.insert(id, (stamp, value.clone()));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_file_is_read_again_and_an_unchanged_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.yaml");
        std::fs::write(&file, "one").unwrap();
        let reads = std::sync::atomic::AtomicUsize::new(0);
        let read = || {
            reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok::<_, ()>(std::fs::read_to_string(&file).unwrap())
        };
        let files = || yaml_files(dir.path());
        assert_eq!(*cached(dir.path(), stamp(&files()), read).unwrap(), "one");
        assert_eq!(*cached(dir.path(), stamp(&files()), read).unwrap(), "one");
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 1);
        std::fs::write(&file, "three").unwrap();
        assert_eq!(*cached(dir.path(), stamp(&files()), read).unwrap(), "three");
        std::fs::write(dir.path().join("b.yml"), "").unwrap();
        cached(dir.path(), stamp(&files()), read).unwrap();
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 3);
        // An error is not kept.
        assert!(cached::<String, _>(dir.path(), stamp(&[]), || Err(())).is_err());
        assert_eq!(
            *cached(dir.path(), stamp(&[]), || Ok::<_, ()>("x".to_string())).unwrap(),
            "x"
        );
    }
}
