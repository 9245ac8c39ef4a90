//! Content-addressed files: a file is stored once under its sha256, and the
//! database keeps only the hash. They live in the data folder (default) or,
//! for a shared deployment where web replicas and workers run on several
//! machines, in S3-compatible object storage through `object_store`
//! (`artifacts_url = "s3://bucket/prefix"`, endpoint and keys from the usual
//! `AWS_*` variables). Either way the key is `ab/cdef…` under the root.

use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::ObjectStoreExt;
use object_store::aws::AmazonS3;
use object_store::path::Path as Key;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone)]
pub struct Artifacts {
    place: Place,
}

#[derive(Debug, Clone)]
enum Place {
    Folder(PathBuf),
    Bucket(Arc<Bucket>),
}

/// Objects in S3-compatible storage. The runner's writer thread and other
/// blocking callers reach it through the runtime it was opened on.
struct Bucket {
    store: AmazonS3,
    prefix: String,
    runtime: tokio::runtime::Handle,
    url: String,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bucket({})", self.url)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("artifacts_url `{0}`: use s3://BUCKET or s3://BUCKET/PREFIX")]
    Url(String),
    #[error("artifacts_url `{url}`: {message}")]
    Store { url: String, message: String },
}

fn valid(hash: &str) -> bool {
    hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit())
}

fn bad_hash() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::NotFound, "bad hash")
}

fn io(e: object_store::Error) -> std::io::Error {
    match e {
        object_store::Error::NotFound { .. } => {
            std::io::Error::new(std::io::ErrorKind::NotFound, e.to_string())
        }
        e => std::io::Error::other(e.to_string()),
    }
}

impl Artifacts {
    /// Files under `<data_dir>/artifacts`.
    pub fn new(data_dir: &Path) -> Artifacts {
        Artifacts {
            place: Place::Folder(data_dir.join("artifacts")),
        }
    }

    /// The bucket `url` names when given (call on the runtime that will
    /// serve it), else the data folder.
    pub fn open(url: Option<&str>, data_dir: &Path) -> Result<Artifacts, OpenError> {
        match url.filter(|u| !u.is_empty()) {
            Some(url) => Self::bucket(url),
            None => Ok(Self::new(data_dir)),
        }
    }

    fn bucket(url: &str) -> Result<Artifacts, OpenError> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| OpenError::Url(url.into()))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(OpenError::Url(url.into()));
        }
        let failed = |message: String| OpenError::Store {
            url: url.into(),
            message,
        };
        // Bounded: a store that does not answer fails the write within
        // seconds (the cell is then tried again, `scenarios::work`), and a
        // stopping worker is not held for minutes of back-off.
        let retry = object_store::RetryConfig {
            max_retries: 3,
            retry_timeout: std::time::Duration::from_secs(10),
            ..Default::default()
        };
        let mut builder = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_retry(retry);
        // The keys may come from files (docker-compose's secrets).
        let from_file = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|p| !p.is_empty())
                .map(|p| std::fs::read_to_string(&p).map(|s| s.trim().to_string()))
                .transpose()
                .map_err(|e| failed(format!("{name}: {e}")))
        };
        if let Some(id) = from_file("AWS_ACCESS_KEY_ID_FILE")? {
            builder = builder.with_access_key_id(id);
        }
        if let Some(key) = from_file("AWS_SECRET_ACCESS_KEY_FILE")? {
            builder = builder.with_secret_access_key(key);
        }
        let store = builder.build().map_err(|e| failed(e.to_string()))?;
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| failed("opened outside the async runtime".into()))?;
        Ok(Artifacts {
            place: Place::Bucket(Arc::new(Bucket {
                store,
                prefix: prefix.trim_matches('/').to_string(),
                runtime,
                url: url.into(),
            })),
        })
    }

    fn path(&self, hash: &str) -> Option<PathBuf> {
        match &self.place {
            Place::Folder(root) if valid(hash) => Some(root.join(&hash[..2]).join(&hash[2..])),
            _ => None,
        }
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
        if let Place::Bucket(b) = &self.place {
            let key = b.key(hash).ok_or_else(bad_hash)?;
            let body = bytes.to_vec();
            return b.wait(|| async move {
                if b.store.head(&key).await.is_ok() {
                    return Ok(());
                }
                b.store.put(&key, body.into()).await.map(|_| ()).map_err(io)
            });
        }
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

    /// `get` without blocking the async runtime, for handlers.
    pub async fn read(&self, hash: &str) -> std::io::Result<Vec<u8>> {
        if let Place::Bucket(b) = &self.place {
            return b.fetch(hash).await;
        }
        let (me, hash) = (self.clone(), hash.to_string());
        tokio::task::spawn_blocking(move || me.get(&hash))
            .await
            .map_err(std::io::Error::other)?
    }

    pub fn get(&self, hash: &str) -> std::io::Result<Vec<u8>> {
        if let Place::Bucket(b) = &self.place {
            return b.wait(|| b.fetch(hash));
        }
        let path = self.path(hash).ok_or_else(bad_hash)?;
        std::fs::read(path)
    }
}

impl Bucket {
    fn key(&self, hash: &str) -> Option<Key> {
        if !valid(hash) {
            return None;
        }
        let name = format!("{}/{}", &hash[..2], &hash[2..]);
        Some(Key::from(if self.prefix.is_empty() {
            name
        } else {
            format!("{}/{name}", self.prefix)
        }))
    }

    async fn fetch(&self, hash: &str) -> std::io::Result<Vec<u8>> {
        let key = self.key(hash).ok_or_else(bad_hash)?;
        let found = self.store.get(&key).await.map_err(io)?;
        Ok(found.bytes().await.map_err(io)?.to_vec())
    }

    /// Run `work` to its end from blocking code, on or off the runtime: on a
    /// thread of its own that waits on the runtime the bucket was opened on.
    fn wait<T: Send, F: Future<Output = std::io::Result<T>>>(
        &self,
        work: impl FnOnce() -> F + Send,
    ) -> std::io::Result<T> {
        std::thread::scope(|s| {
            s.spawn(|| self.runtime.block_on(work()))
                .join()
                .unwrap_or_else(|_| {
                    Err(std::io::Error::other("the artifact store's thread failed"))
                })
        })
    }
}

impl Artifacts {
    /// Whether a file with this hash is stored (blocking).
    pub fn exists(&self, hash: &str) -> std::io::Result<bool> {
        if let Place::Bucket(b) = &self.place {
            let key = b.key(hash).ok_or_else(bad_hash)?;
            return b.wait(|| async move {
                match b.store.head(&key).await {
                    Ok(_) => Ok(true),
                    Err(object_store::Error::NotFound { .. }) => Ok(false),
                    Err(e) => Err(io(e)),
                }
            });
        }
        Ok(self.path(hash).ok_or_else(bad_hash)?.exists())
    }

    /// Delete a stored file (the caller has made sure nothing refers to it).
    pub fn remove(&self, hash: &str) -> std::io::Result<()> {
        if let Place::Bucket(b) = &self.place {
            let key = b.key(hash).ok_or_else(bad_hash)?;
            return b.wait(|| async move { b.store.delete(&key).await.map_err(io) });
        }
        let path = self.path(hash).ok_or_else(bad_hash)?;
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
