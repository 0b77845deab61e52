//! A throw-away PostgreSQL cluster for the test suite: `initdb` into a temporary folder, `pg_ctl start` on a
//! free port of 127.0.0.1 (durability off: tests only), and everything stopped and removed when dropped.
//! `initdb` refuses to run as root, so as root the cluster belongs to Debian's `postgres` user.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Debian's PostgreSQL binaries (not on PATH).
fn bin_dir() -> Result<PathBuf> {
    let base = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(base)
        .context("PostgreSQL is not installed")?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    versions.sort();
    versions.pop().map(|v| v.join("bin")).context("no PostgreSQL version under /usr/lib/postgresql")
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
    pub port: u16,
}

impl Cluster {
    /// The URL of the cluster's maintenance database, for `CLAVE_TEST_POSTGRES`.
    pub fn admin_url(&self) -> String {
        format!("postgres://clave@127.0.0.1:{}/postgres", self.port)
    }

    /// Runs a PostgreSQL program as the cluster's owner.
    fn run(&self, program: &str, args: &[&str]) -> Result<()> {
        let path = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        command.args(args).current_dir(&self.dir);
        crate::status(&mut command)
    }

    pub fn start() -> Result<Cluster> {
        let bin = bin_dir()?;
        let as_postgres = is_root();
        let dir = std::env::temp_dir().join(format!("clave-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        if as_postgres {
            crate::status(Command::new("chown").arg("postgres").arg(&dir))?;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let cluster = Cluster { dir, bin, as_postgres, port };
        let data = cluster.dir.join("db");
        let data = data.to_str().context("temporary folder is not UTF-8")?;
        cluster.run("initdb", &["-D", data, "-A", "trust", "-U", "clave", "--no-sync", "-E", "UTF8"])?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=400 -c shared_buffers=128MB",
            cluster.dir.display()
        );
        let log = cluster.dir.join("log");
        let log = log.to_str().context("temporary folder is not UTF-8")?;
        cluster.run("pg_ctl", &["-D", data, "-o", &options, "-l", log, "-w", "start"])?;
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            bail!("PostgreSQL did not start; see {log}");
        }
        println!("== PostgreSQL {} on 127.0.0.1:{port} (throw-away)", cluster.bin.display());
        Ok(cluster)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.join("db");
        if let Some(data) = data.to_str() {
            let _ = self.run("pg_ctl", &["-D", data, "-m", "immediate", "-w", "stop"]);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
