//! `lambda-router`: see the library documentation.

use std::net::SocketAddr;

use clap::Parser;
use lambda_router::Upstreams;

/// Routes moto's Lambda invocations to cargo lambda watch and everything else to moto.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Address to listen on: the port moto's Step Functions believes is moto's.
    #[arg(long, default_value = "127.0.0.1:5010")]
    listen: SocketAddr,
    /// moto server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:5011")]
    moto: String,
    /// cargo lambda watch's base URL.
    #[arg(long, default_value = "http://127.0.0.1:9000")]
    lambda: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().init();
    let cli = Cli::parse();
    let listener = tokio::net::TcpListener::bind(cli.listen).await?;
    tracing::info!(listen = %cli.listen, moto = %cli.moto, lambda = %cli.lambda, "lambda-router ready");
    lambda_router::serve(
        listener,
        Upstreams {
            moto: cli.moto,
            lambda: cli.lambda,
        },
    )
    .await?;
    Ok(())
}
