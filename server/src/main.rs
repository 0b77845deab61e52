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
    }
    Ok(())
}
