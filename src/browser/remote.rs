//! Finding the DevTools websocket of a Chromium that runs elsewhere.

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
    let hostport = remote
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let mut stream =
        TcpStream::connect(&hostport).map_err(|e| format!("connecting to {remote}: {e}"))?;
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
    let body = body.as_str();
    let v: serde_json::Value = serde_json::from_str(body)
        .map_err(|e| format!("{remote}/json/version did not answer JSON: {e}"))?;
    let ws = v["webSocketDebuggerUrl"]
        .as_str()
        .ok_or_else(|| format!("{remote}/json/version names no webSocketDebuggerUrl"))?;
    // Replace whatever host Chromium put there with the one we reached it by.
    let path = ws.splitn(4, '/').nth(3).unwrap_or_default();
    Ok(format!("ws://{hostport}/{path}"))
}
