//! Finding the DevTools websocket of a Chromium that runs elsewhere, in a
//! pool of them: `PROVRUM_CHROMIUM_URL` may list several endpoints.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// `ws://…` as is; for `http://host:port`, ask `/json/version`. Chromium
/// answers `/json` only to a Host of localhost or an IP (DNS-rebinding
/// protection), so we say `localhost` and put the real host back in the URL.
pub fn websocket_url(remote: &str) -> Result<String, String> {
    if remote.starts_with("ws://") || remote.starts_with("wss://") {
        return Ok(remote.to_string());
    }
    let (v, hostport) = json_version(remote)?;
    let ws = v["webSocketDebuggerUrl"]
        .as_str()
        .ok_or_else(|| format!("{remote}/json/version names no webSocketDebuggerUrl"))?;
    // Replace whatever host Chromium put there with the one we reached it by.
    let path = ws.splitn(4, '/').nth(3).unwrap_or_default();
    Ok(format!("ws://{hostport}/{path}"))
}

/// The browser versions of a pool's endpoints as they answer now
/// ("HeadlessChrome/156.0.8078.114"), distinct and sorted; an endpoint
/// that does not answer is named as such. Part of what a reused result is
/// keyed by: a remote browser replaced by another version at the same
/// address must not take the old one's results.
pub fn browser_versions(list: &str) -> String {
    let mut seen: Vec<String> = endpoints(list)
        .iter()
        .map(|e| {
            let http = match e.strip_prefix("ws://").or_else(|| e.strip_prefix("wss://")) {
                Some(rest) => rest.split('/').next().unwrap_or_default().to_string(),
                None => e.clone(),
            };
            match json_version(&http) {
                Ok((v, _)) => v["Browser"].as_str().unwrap_or("unknown").to_string(),
                Err(_) => format!("{e} did not answer"),
            }
        })
        .collect();
    seen.sort();
    seen.dedup();
    seen.join(" | ")
}

/// `/json/version` of `remote` (`host:port`, with or without `http://`),
/// and the address it was reached at.
fn json_version(remote: &str) -> Result<(serde_json::Value, String), String> {
    let named = remote.trim_start_matches("http://").trim_end_matches('/');
    // One address for both the question and the websocket: behind a name
    // with several addresses (`docker compose up --scale chromium=4`) a
    // second lookup may reach another browser, which knows no such id.
    use std::net::ToSocketAddrs;
    let addr = named
        .to_socket_addrs()
        .map_err(|e| format!("looking up {remote}: {e}"))?
        .next()
        .ok_or_else(|| format!("looking up {remote}: no address"))?;
    let hostport = addr.to_string();
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
        .map_err(|e| format!("connecting to {remote}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(b"GET /json/version HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("asking {remote}: {e}"))?;
    // Read until the body is complete (Content-Length); Chromium may keep the connection open.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let body = loop {
        let n = stream
            .read(&mut chunk)
            .map_err(|e| format!("reading from {remote}: {e}"))?;
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head.lines().find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .and_then(|v| v.trim().parse::<usize>().ok())
            });
            if n == 0 || length.is_some_and(|len| body.len() >= len) {
                break body.to_string();
            }
        } else if n == 0 {
            break String::new();
        }
    };
    let v: serde_json::Value = serde_json::from_str(&body)
        .map_err(|e| format!("{remote}/json/version did not answer JSON: {e}"))?;
    Ok((v, hostport))
}

/// The endpoints of a pool: separated by commas or whitespace.
pub fn endpoints(list: &str) -> Vec<String> {
    list.split(|c: char| c == ',' || c.is_whitespace())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Where the next browser starts looking, so browsers spread over the pool.
static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The pool's endpoints in the order to try them this time: each launch
/// starts one further along; a dead endpoint is skipped now and tried
/// again on later launches.
pub fn in_turn(list: &str) -> Vec<String> {
    let all = endpoints(list);
    if all.is_empty() {
        return all;
    }
    let start = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % all.len();
    all[start..].iter().chain(&all[..start]).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_is_listed_and_taken_in_turn() {
        assert_eq!(
            endpoints("http://a:9222, http://b:9222\nws://c/devtools/browser/x"),
            [
                "http://a:9222",
                "http://b:9222",
                "ws://c/devtools/browser/x"
            ]
        );
        let first = in_turn("a,b,c");
        let second = in_turn("a,b,c");
        assert_eq!(first.len(), 3);
        assert_ne!(first[0], second[0], "the next launch starts further along");
        assert!(in_turn(" , ").is_empty());
    }
}
