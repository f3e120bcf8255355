//! Where a request that carries a token may go. A download URL comes from a webhook body or a
//! Zoom answer, so a forged or mistaken one could point anywhere (a cloud metadata address, an
//! attacker's server); the download token and the account's OAuth token go only to Zoom.
//!
//! `ZOOM_ALLOWED_HOSTS` lists the allowed hosts, comma-separated; each entry is either
//! - a domain such as `zoom.us`: HTTPS on its default port, to the domain or any subdomain; or
//! - an origin such as `http://127.0.0.1:5030`: exactly that scheme and host, on that port (or
//!   any port when the entry names none). Only origins may name an IP address or plain HTTP,
//!   which is how the local stack allows zoom-sim.
//!
//! A redirect (Zoom's CDN) may lead to another HTTPS host by name, without the token; never to
//! an IP literal or `localhost` unless an origin entry names it.

use std::net::IpAddr;

use url::{Host, Url};

/// The default: Zoom's commercial and government clouds.
pub const DEFAULT_ALLOWED_HOSTS: &str = "zoom.us,zoomgov.com";

/// One allowed host.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Allowed {
    /// HTTPS to the domain or a subdomain, default port.
    Domain(String),
    /// Exactly this scheme and host; this port, or any when `None`.
    Origin {
        scheme: String,
        host: String,
        port: Option<u16>,
    },
}

/// The hosts that may receive a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHosts(Vec<Allowed>);

/// Why a URL may not be sent a token, or followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{url} is refused: {reason}")]
pub struct UrlRefused {
    /// The URL without its query (signatures) or credentials.
    pub url: String,
    pub reason: String,
}

impl TokenHosts {
    /// Parses the setting's value (see the module documentation).
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut allowed = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            allowed.push(parse_entry(entry)?);
        }
        if allowed.is_empty() {
            return Err("no host listed".into());
        }
        Ok(Self(allowed))
    }

    /// Checks that `raw` may be sent a token: a parsable URL to an allowed host.
    pub fn check(&self, raw: &str) -> Result<Url, UrlRefused> {
        let url = Url::parse(raw).map_err(|error| UrlRefused {
            url: without_query(raw),
            reason: format!("not a URL ({error})"),
        })?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(refused(&url, "it carries credentials"));
        }
        if self.0.iter().any(|allowed| allowed.matches(&url)) {
            Ok(url)
        } else {
            Err(refused(
                &url,
                "not a Zoom host (ZOOM_ALLOWED_HOSTS lists the hosts that may receive a token)",
            ))
        }
    }

    /// Whether a redirect to `url` may be followed (without the token, which the HTTP client
    /// drops when the host changes): an allowed host, or any HTTPS host by name that is not
    /// `localhost`.
    pub fn check_redirect(&self, url: &Url) -> Result<(), UrlRefused> {
        if self.0.iter().any(|allowed| allowed.matches(url)) {
            return Ok(());
        }
        if url.scheme() != "https" {
            return Err(refused(url, "a redirect to plain HTTP"));
        }
        match url.host() {
            Some(Host::Domain(name)) if !is_local_name(name) => Ok(()),
            Some(Host::Domain(_)) => Err(refused(url, "a redirect to a local name")),
            Some(Host::Ipv4(_) | Host::Ipv6(_)) => Err(refused(url, "a redirect to an IP address")),
            None => Err(refused(url, "a redirect without a host")),
        }
    }
}

impl Allowed {
    fn matches(&self, url: &Url) -> bool {
        let Some(host) = url.host_str() else {
            return false;
        };
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        match self {
            Self::Domain(domain) => {
                url.scheme() == "https"
                    && url.port().is_none()
                    && (host == *domain || host.ends_with(&format!(".{domain}")))
            }
            Self::Origin {
                scheme,
                host: allowed,
                port,
            } => {
                url.scheme() == scheme
                    && host == *allowed
                    && port.is_none_or(|port| url.port_or_known_default() == Some(port))
            }
        }
    }
}

fn parse_entry(entry: &str) -> Result<Allowed, String> {
    if entry.contains("://") {
        let url =
            Url::parse(entry).map_err(|error| format!("{entry:?} is not an origin ({error})"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("{entry:?}: only http and https origins"));
        }
        let host = url
            .host_str()
            .ok_or_else(|| format!("{entry:?} names no host"))?
            .to_ascii_lowercase();
        if url.path() != "/" || url.query().is_some() {
            return Err(format!("{entry:?}: an origin has no path or query"));
        }
        return Ok(Allowed::Origin {
            scheme: url.scheme().to_owned(),
            host,
            port: url.port(),
        });
    }
    let domain = entry
        .trim_start_matches("*.")
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let is_name = domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !is_name || domain.parse::<IpAddr>().is_ok() {
        return Err(format!(
            "{entry:?} is not a domain (write an IP address or plain HTTP as an origin, e.g. http://127.0.0.1:5030)"
        ));
    }
    Ok(Allowed::Domain(domain))
}

fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost") || !name.contains('.')
}

fn refused(url: &Url, reason: &str) -> UrlRefused {
    UrlRefused {
        url: redacted(url),
        reason: reason.to_owned(),
    }
}

/// A URL fit for an error message or a log line: no query (Zoom's CDN links carry signatures),
/// no fragment, no credentials.
pub fn redacted(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

/// Like [`redacted`], for text that may not parse as a URL.
pub fn without_query(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(url) => redacted(&url),
        Err(_) => raw
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zoom() -> TokenHosts {
        TokenHosts::parse(DEFAULT_ALLOWED_HOSTS).expect("valid")
    }

    #[test]
    fn zoom_hosts_over_https_are_allowed() {
        for url in [
            "https://zoom.us/rec/webhook_download/abc/def",
            "https://us06web.zoom.us/rec/download/abc?x=1",
            "https://ZOOM.US./rec/download/abc",
            "https://api.zoomgov.com/v2/meetings",
        ] {
            assert!(zoom().check(url).is_ok(), "{url}");
        }
    }

    #[test]
    fn everything_else_is_refused_before_any_request() {
        for url in [
            "http://zoom.us/rec/download/abc",
            "https://zoom.us:8443/rec/download/abc",
            "https://zoom.us.evil.example/rec",
            "https://evilzoom.us/rec",
            "http://127.0.0.1:9/latest/meta-data/iam/security-credentials/",
            "http://169.254.169.254/latest/meta-data/",
            "https://[::1]/x",
            "https://user:pass@zoom.us/x",
            "file:///etc/passwd",
            "not a url",
        ] {
            assert!(zoom().check(url).is_err(), "{url}");
        }
    }

    #[test]
    fn a_refusal_names_the_url_without_its_query() {
        let error = zoom()
            .check("http://127.0.0.1:9/creds?signature=SECRET&token=SECRET")
            .expect_err("refused");
        assert_eq!(error.url, "http://127.0.0.1:9/creds");
        assert!(!error.to_string().contains("SECRET"), "{error}");
        assert_eq!(without_query("no url?signature=SECRET"), "no url");
    }

    #[test]
    fn an_origin_entry_allows_exactly_that_origin() {
        let hosts = TokenHosts::parse("zoom.us, http://127.0.0.1:5030").expect("valid");
        assert!(hosts.check("http://127.0.0.1:5030/rec/download/a").is_ok());
        assert!(hosts.check("http://127.0.0.1:5031/rec/download/a").is_err());
        assert!(
            hosts
                .check("https://127.0.0.1:5030/rec/download/a")
                .is_err()
        );
        let any_port = TokenHosts::parse("http://127.0.0.1").expect("valid");
        assert!(any_port.check("http://127.0.0.1:40001/x").is_ok());
        assert!(any_port.check("http://localhost:40001/x").is_err());
    }

    #[test]
    fn redirects_go_to_https_names_only() {
        let hosts = zoom();
        let url = |raw: &str| Url::parse(raw).expect("url");
        assert!(
            hosts
                .check_redirect(&url("https://ssrweb.zoom.us/file?sig=1"))
                .is_ok()
        );
        assert!(
            hosts
                .check_redirect(&url("https://cdn.example.net/file?sig=1"))
                .is_ok()
        );
        for raw in [
            "http://cdn.example.net/file",
            "https://10.0.0.5/file",
            "https://169.254.169.254/latest/meta-data/",
            "https://[fd00::1]/file",
            "https://localhost/file",
            "https://metadata/computeMetadata",
        ] {
            assert!(hosts.check_redirect(&url(raw)).is_err(), "{raw}");
        }
        let local = TokenHosts::parse("http://127.0.0.1:5030").expect("valid");
        assert!(
            local
                .check_redirect(&url("http://127.0.0.1:5030/cdn/a?sig=1"))
                .is_ok()
        );
    }

    #[test]
    fn bad_entries_are_named() {
        for list in [
            "",
            " , ",
            "127.0.0.1",
            "zoom",
            "ftp://zoom.us",
            "https://zoom.us/path",
            "zo om.us",
        ] {
            assert!(TokenHosts::parse(list).is_err(), "{list:?}");
        }
        assert!(TokenHosts::parse("*.zoom.us").is_ok());
    }
}
