//! `s3-fault-proxy`: serve the proxy on loopback in front of an S3 server.

use std::net::SocketAddr;

use clap::Parser;

#[derive(Parser)]
#[command(
    about = "A loopback proxy in front of the local S3 that fails chosen requests (see the crate docs; control API under /_proxy/)"
)]
struct Cli {
    /// The S3 server to pass requests on to.
    #[arg(long, default_value = "http://127.0.0.1:5020")]
    upstream: String,
    /// Port to listen on (127.0.0.1 only); 0 picks a free one.
    #[arg(long, default_value_t = 5021)]
    port: u16,
    /// Write the bound URL to this file once listening.
    #[arg(long)]
    url_file: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_target(false).init();
    let cli = Cli::parse();
    let proxy =
        s3_fault_proxy::Proxy::start(SocketAddr::from(([127, 0, 0, 1], cli.port)), cli.upstream)
            .await?;
    if let Some(path) = cli.url_file {
        std::fs::write(path, proxy.url())?;
    }
    tracing::info!(url = %proxy.url(), "s3-fault-proxy listening");
    tokio::signal::ctrl_c().await?;
    Ok(())
}
