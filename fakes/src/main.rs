//! `clave-fakes`: runs the local fake services for `cargo xtask run` (never in production).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use fakes::registro_civil::{FakeRegistroCivil, Fixtures};

#[derive(Parser)]
#[command(
    name = "clave-fakes",
    about = "Local fakes of the Registro Civil, the SMS gateway and an SMTP sink, and a sample SENCE platform, for development"
)]
struct Cli {
    /// Address of the fake Registro Civil.
    #[arg(long, default_value = "127.0.0.1:8091")]
    registro_civil: SocketAddr,
    /// Address of the fake SMS gateway.
    #[arg(long, default_value = "127.0.0.1:8092")]
    sms_gateway: SocketAddr,
    /// Address of the SMTP sink.
    #[arg(long, default_value = "127.0.0.1:2525")]
    smtp: SocketAddr,
    /// Address of the sample SENCE platform ("Plataforma SENCE de ejemplo").
    #[arg(long, default_value = "127.0.0.1:8093")]
    platform: SocketAddr,
    /// Clave Sence's public URL, where the sample platform sends citizens to log in.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    issuer: String,
    /// Fixtures file (default: the bundled fixtures).
    #[arg(long)]
    fixtures: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let cli = Cli::parse();
    let fixtures = match &cli.fixtures {
        Some(path) => Fixtures::load(path)?,
        None => Fixtures::bundled()?,
    };
    let registro_civil = FakeRegistroCivil::new(fixtures);
    let listener = tokio::net::TcpListener::bind(cli.registro_civil).await?;
    let url = fakes::spawn(listener, registro_civil.router());
    println!("Registro Civil (falso) en {url}");
    let gateway = fakes::sms_gateway::FakeSmsGateway::new();
    let url = fakes::spawn(tokio::net::TcpListener::bind(cli.sms_gateway).await?, gateway.router());
    println!("Pasarela SMS (falsa) en {url}");
    let sink = fakes::smtp_sink::SmtpSink::new();
    sink.spawn(tokio::net::TcpListener::bind(cli.smtp).await?);
    println!("Servidor SMTP (falso) en smtp://{}", cli.smtp);
    // Registered by the backend's development profile (`oidc.clients`), with this development secret.
    let platform = fakes::sample_platform::SamplePlatform::new(fakes::sample_platform::PlatformSettings {
        base_url: format!("http://{}", cli.platform),
        issuer: cli.issuer.clone(),
        client_id: fakes::sample_platform::DEV_CLIENT_ID.into(),
        client_secret: fakes::sample_platform::DEV_CLIENT_SECRET.into(),
        name: "Plataforma SENCE de ejemplo".into(),
    });
    let url = fakes::spawn(tokio::net::TcpListener::bind(cli.platform).await?, platform.router());
    println!("Plataforma SENCE de ejemplo en {url} (ingresa con Clave Sence)");
    tokio::signal::ctrl_c().await?;
    Ok(())
}
