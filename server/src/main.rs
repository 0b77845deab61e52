//! `clave-sence`: serves the API (default), or imports legacy accounts.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use server::{Application, Dependencies, Settings, telemetry};

// Measured in the service bench: glibc's malloc cost a flow-opening step a quarter of its rate (registration
// 19 500 → 27 800/s, recovery start 12 700 → 14 400/s), for about 30 MiB more resident memory.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "clave-sence", about = "Clave Sence backend")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (the default).
    Serve,
    /// Import existing accounts from a CSV file (rut,email,mobile); safe to run twice.
    ImportLegacy { csv: PathBuf },
    /// Platforms that log citizens in with "Ingresar con Clave Sence" (OpenID Connect).
    #[command(subcommand)]
    Clients(Clients),
}

#[derive(Subcommand)]
enum Clients {
    /// Registers a platform; a confidential one's secret is printed once (only its hash is kept).
    Add {
        /// The `client_id` the platform sends.
        id: String,
        /// Shown to citizens on the login page ("Plataforma SENCE de ejemplo").
        #[arg(long)]
        name: String,
        /// Where codes may be sent back, matched exactly (repeat for several).
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        /// Where the browser may be sent after a logout, matched exactly (repeat for several).
        #[arg(long = "post-logout-uri")]
        post_logout_uris: Vec<String>,
        /// Scopes it may ask for, besides `openid`: `rut`, `email`.
        #[arg(long = "scope")]
        scopes: Vec<String>,
        /// A public client (a phone app): no secret, PKCE alone.
        #[arg(long)]
        public: bool,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    telemetry::init();
    // The reason alone, without a backtrace: an operator reads it to fix a setting.
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("clave-sence: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(settings.clone(), Dependencies::default()).await?;
            let address = format!("http://{}:{}", settings.http.listen.ip(), app.port());
            tracing::info!(%address, database = %settings.database_url(), registro_civil = %settings.registro_civil.url, "Clave Sence listening");
            println!("Clave Sence escuchando en {address}  (API: {address}/api, OpenAPI: {address}/api/openapi.json)");
            app.run_until_stopped().await?;
        }
        Command::ImportLegacy { csv } => {
            std::fs::create_dir_all(&settings.data_dir)?;
            let store = server::store::Store::connect(&settings.database_url(), 2).await?;
            let now = server::clock::Clock::now(&server::clock::SystemClock);
            let report = server::legacy::import(&store, std::fs::File::open(&csv)?, now).await?;
            println!(
                "imported: {}, already present: {}, rejected: {}",
                report.imported,
                report.skipped_existing,
                report.rejected.len()
            );
            for (line, reason) in &report.rejected {
                println!("  line {line}: {reason}");
            }
        }
        Command::Clients(Clients::Add { id, name, redirect_uris, post_logout_uris, scopes, public }) => {
            for uri in redirect_uris.iter().chain(&post_logout_uris) {
                let url = url::Url::parse(uri).map_err(|e| anyhow::anyhow!("{uri}: {e}"))?;
                let local = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
                // OAuth 2.1: https, or a loopback address for development, or an app's own scheme.
                if url.scheme() == "http" && !local || url.fragment().is_some() {
                    anyhow::bail!(
                        "{uri}: a redirect URI must be https (http only on this machine) and have no #fragment"
                    );
                }
            }
            let mut all_scopes = vec!["openid".to_owned()];
            for scope in scopes {
                if !server::oidc::SCOPES.contains(&scope.as_str()) {
                    anyhow::bail!("scope {scope}: offered are {}", server::oidc::SCOPES.join(", "));
                }
                if !all_scopes.contains(&scope) {
                    all_scopes.push(scope);
                }
            }
            std::fs::create_dir_all(&settings.data_dir)?;
            let store = server::store::Store::connect(&settings.database_url(), 2).await?;
            let now = server::clock::Clock::now(&server::clock::SystemClock);
            let client = server::store::oidc::Client {
                id: id.clone(),
                name,
                secret_hash: None,
                redirect_uris,
                post_logout_uris,
                scopes: all_scopes,
            };
            match server::oidc::register_client(&store, client, !public, now).await? {
                Some(secret) => println!("client {id} registered. Its secret (shown only now): {secret}"),
                None => println!("client {id} registered (public: PKCE, no secret)"),
            }
        }
    }
    Ok(())
}
