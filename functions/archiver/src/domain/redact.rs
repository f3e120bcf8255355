//! Removing secrets from Zoom's JSON before it is stored: the webhook's `download_token`, meeting
//! passwords and passcodes, and URLs that carry them (`start_url` holds the host's ZAK token,
//! `join_url` may embed `pwd=`).

use serde_json::Value;

/// Keys whose values are secrets wherever they appear.
const SECRET_KEYS: [&str; 11] = [
    "download_token",
    "download_access_token",
    "password",
    "h323_password",
    "pstn_password",
    "encrypted_password",
    "h323_passcode",
    "passcode",
    "recording_play_passcode",
    "start_url",
    "zak",
];

/// Query parameters that carry a password inside a URL.
/// `tk` is a registrant's or panelist's personal join token (webinar join links).
const SECRET_QUERY_PARAMETERS: [&str; 4] = ["pwd", "passcode", "access_token", "tk"];

/// Removes every secret from `value`, at any depth.
pub fn remove_secrets(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|key, _| !SECRET_KEYS.contains(&key.as_str()));
            map.values_mut().for_each(remove_secrets);
        }
        Value::Array(items) => items.iter_mut().for_each(remove_secrets),
        Value::String(text) => {
            if let Some(stripped) = strip_secret_query(text) {
                *text = stripped;
            }
        }
        _ => {}
    }
}

/// `text` without secret query parameters, or `None` when it has none.
fn strip_secret_query(text: &str) -> Option<String> {
    let (base, query) = text.split_once('?')?;
    let (query, fragment) = match query.split_once('#') {
        Some((query, fragment)) => (query, Some(fragment)),
        None => (query, None),
    };
    let is_secret = |pair: &&str| {
        let name = pair.split('=').next().unwrap_or_default();
        SECRET_QUERY_PARAMETERS.contains(&name.to_ascii_lowercase().as_str())
    };
    if !query.split('&').any(|pair| is_secret(&pair)) {
        return None;
    }
    let kept: Vec<&str> = query.split('&').filter(|pair| !is_secret(pair)).collect();
    let mut stripped = base.to_owned();
    if !kept.is_empty() {
        stripped.push('?');
        stripped.push_str(&kept.join("&"));
    }
    if let Some(fragment) = fragment {
        stripped.push('#');
        stripped.push_str(fragment);
    }
    Some(stripped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_go_at_every_depth_and_the_rest_stays() {
        let mut body = json!({
            "event": "recording.completed",
            "download_token": "tok",
            "payload": {"object": {
                "uuid": "u", "password": "p1", "recording_play_passcode": "p2",
                "share_url": "https://zoom.us/rec/share/abc?pwd=p3&x=1",
                "settings": {"encrypted_password": "p4", "h323_password": "p5"},
                "start_url": "https://zoom.us/s/1?zak=p6",
                "join_url": "https://zoom.us/j/1?pwd=p7",
                "recording_files": [{"id": "f", "download_url": "https://zoom.us/rec/download/f"}]
            }}
        });
        remove_secrets(&mut body);
        let text = body.to_string();
        for secret in ["tok", "p1", "p2", "p3", "p4", "p5", "p6", "p7"] {
            assert!(
                !text.contains(&format!("\"{secret}\"")) && !text.contains(&format!("={secret}")),
                "{secret} left in {text}"
            );
        }
        assert_eq!(
            body["payload"]["object"]["share_url"],
            "https://zoom.us/rec/share/abc?x=1"
        );
        assert_eq!(body["payload"]["object"]["join_url"], "https://zoom.us/j/1");
        assert_eq!(body["payload"]["object"]["recording_files"][0]["id"], "f");
    }

    #[test]
    fn urls_without_secrets_are_untouched() {
        assert_eq!(strip_secret_query("https://a/b?x=1#f"), None);
        assert_eq!(strip_secret_query("no query"), None);
        assert_eq!(
            strip_secret_query("https://a/b?x=1&PWD=s#f").as_deref(),
            Some("https://a/b?x=1#f")
        );
    }
}
