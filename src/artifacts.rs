//! Content-addressed files under the data dir: a file is stored once under
//! its sha256, and the database keeps only the hash.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

#[derive(Debug, Clone)]
pub struct Artifacts {
    root: PathBuf,
}

impl Artifacts {
    pub fn new(data_dir: &Path) -> Artifacts {
        Artifacts {
            root: data_dir.join("artifacts"),
        }
    }

    fn path(&self, hash: &str) -> Option<PathBuf> {
        if hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        Some(self.root.join(&hash[..2]).join(&hash[2..]))
    }

    /// The hash a stored file would have.
    pub fn hash(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    /// Store bytes and return their hash; storing the same bytes twice is a no-op.
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let hash = Self::hash(bytes);
        self.put_hashed(&hash, bytes)?;
        Ok(hash)
    }

    /// Store bytes whose hash the caller already computed.
    pub fn put_hashed(&self, hash: &str, bytes: &[u8]) -> std::io::Result<()> {
        let hash = hash.to_string();
        let path = self
            .path(&hash)
            .ok_or_else(|| std::io::Error::other("bad hash"))?;
        if path.exists() {
            return Ok(());
        }
        let dir = path
            .parent()
            .ok_or_else(|| std::io::Error::other("no parent"))?;
        std::fs::create_dir_all(dir)?;
        // Write to a temporary name and rename, so a crash never leaves a
        // truncated file under a valid hash.
        let mut tmp = tempfile_in(dir)?;
        tmp.1.write_all(bytes)?;
        tmp.1.sync_all()?;
        std::fs::rename(&tmp.0, &path)?;
        Ok(())
    }

    /// `get` on a blocking thread, for async handlers.
    pub async fn read(&self, hash: &str) -> std::io::Result<Vec<u8>> {
        let (me, hash) = (self.clone(), hash.to_string());
        tokio::task::spawn_blocking(move || me.get(&hash))
            .await
            .map_err(std::io::Error::other)?
    }

    pub fn get(&self, hash: &str) -> std::io::Result<Vec<u8>> {
        let path = self
            .path(hash)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "bad hash"))?;
        std::fs::read(path)
    }
}

impl Artifacts {
    /// Delete a stored file (the caller has made sure nothing refers to it).
    pub fn remove(&self, hash: &str) -> std::io::Result<()> {
        let path = self
            .path(hash)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "bad hash"))?;
        std::fs::remove_file(path)
    }
}

fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let name = format!(".tmp-{}", hex::encode(rand::random::<[u8; 8]>()));
    let path = dir.join(name);
    let file = std::fs::File::create(&path)?;
    Ok((path, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_bytes_are_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let a = Artifacts::new(dir.path());
        let h1 = a.put(b"hello").unwrap();
        let h2 = a.put(b"hello").unwrap();
        assert_eq!(h1, h2);
        assert_eq!(a.get(&h1).unwrap(), b"hello");
        assert!(a.get("../../etc/passwd").is_err());
    }
}
