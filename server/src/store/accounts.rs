//! The `accounts` table: one row per RUT.

use sqlx::{FromRow, SqliteExecutor};

/// An account as stored. Personal data stays in this row; only masked forms leave it for logs.
#[derive(Clone, FromRow)]
pub struct AccountRow {
    pub rut: String,
    pub cs_hash: Option<String>,
    pub question: Option<String>,
    pub answer_hash: Option<String>,
    pub street: Option<String>,
    pub street_number: Option<String>,
    pub block: Option<String>,
    pub apartment: Option<String>,
    pub comuna: Option<String>,
    pub email: String,
    pub home_phone: Option<String>,
    pub work_phone: Option<String>,
    pub mobile: Option<String>,
    pub provisional_hash: Option<String>,
    pub provisional_expires_at: Option<i64>,
}

pub async fn find(db: impl SqliteExecutor<'_>, rut: &str) -> Result<Option<AccountRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT rut, cs_hash, question, answer_hash, street, street_number, block, apartment, comuna, email, \
         home_phone, work_phone, mobile, provisional_hash, provisional_expires_at FROM accounts WHERE rut = $1",
    )
    .bind(rut)
    .fetch_optional(db)
    .await
}

pub async fn exists(db: impl SqliteExecutor<'_>, rut: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM accounts WHERE rut = $1").bind(rut).fetch_one(db).await? > 0)
}

/// Inserts a new account; fails with a unique violation when the RUT is taken.
pub async fn insert(db: impl SqliteExecutor<'_>, row: &AccountRow, origin: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO accounts (rut, cs_hash, question, answer_hash, street, street_number, block, apartment, comuna, \
         email, home_phone, work_phone, mobile, provisional_hash, provisional_expires_at, origin, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .bind(&row.rut)
    .bind(&row.cs_hash)
    .bind(&row.question)
    .bind(&row.answer_hash)
    .bind(&row.street)
    .bind(&row.street_number)
    .bind(&row.block)
    .bind(&row.apartment)
    .bind(&row.comuna)
    .bind(&row.email)
    .bind(&row.home_phone)
    .bind(&row.work_phone)
    .bind(&row.mobile)
    .bind(&row.provisional_hash)
    .bind(row.provisional_expires_at)
    .bind(origin)
    .bind(now)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Inserts an account unless the RUT exists; true when inserted (idempotent legacy import).
pub async fn insert_if_absent(
    db: impl SqliteExecutor<'_>,
    rut: &str,
    email: &str,
    mobile: Option<&str>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "INSERT INTO accounts (rut, email, mobile, origin, created_at, updated_at) VALUES ($1, $2, $3, 'legacy', $4, $5) \
         ON CONFLICT (rut) DO NOTHING",
    )
    .bind(rut)
    .bind(email)
    .bind(mobile)
    .bind(now)
    .bind(now)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Stores a provisional CS (recovery), optionally replacing e-mail and mobile (§3.1(7), §3.2(8)).
pub async fn set_provisional(
    db: impl SqliteExecutor<'_>,
    rut: &str,
    provisional_hash: &str,
    expires_at: i64,
    replacement: Option<(&str, &str)>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let (email, mobile) = replacement.unzip();
    sqlx::query(
        "UPDATE accounts SET provisional_hash = $1, provisional_expires_at = $2, email = COALESCE($3, email), \
         mobile = COALESCE($4, mobile), updated_at = $5 WHERE rut = $6",
    )
    .bind(provisional_hash)
    .bind(expires_at)
    .bind(email)
    .bind(mobile)
    .bind(now)
    .bind(rut)
    .execute(db)
    .await?;
    Ok(())
}

/// Sets a new CS and discards any provisional one (§4).
pub async fn set_clave(db: impl SqliteExecutor<'_>, rut: &str, cs_hash: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE accounts SET cs_hash = $1, provisional_hash = NULL, provisional_expires_at = NULL, updated_at = $2 \
         WHERE rut = $3",
    )
    .bind(cs_hash)
    .bind(now)
    .bind(rut)
    .execute(db)
    .await?;
    Ok(())
}

/// Stores a secret question and answer (update §5(4), for accounts that had none).
pub async fn set_secret(
    db: impl SqliteExecutor<'_>,
    rut: &str,
    question: &str,
    answer_hash: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET question = $1, answer_hash = $2, updated_at = $3 WHERE rut = $4")
        .bind(question)
        .bind(answer_hash)
        .bind(now)
        .bind(rut)
        .execute(db)
        .await?;
    Ok(())
}

/// Replaces address and contacts (§5(5)).
pub async fn set_personal_data(db: impl SqliteExecutor<'_>, row: &AccountRow, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE accounts SET street = $1, street_number = $2, block = $3, apartment = $4, comuna = $5, email = $6, \
         home_phone = $7, work_phone = $8, mobile = $9, updated_at = $10 WHERE rut = $11",
    )
    .bind(&row.street)
    .bind(&row.street_number)
    .bind(&row.block)
    .bind(&row.apartment)
    .bind(&row.comuna)
    .bind(&row.email)
    .bind(&row.home_phone)
    .bind(&row.work_phone)
    .bind(&row.mobile)
    .bind(now)
    .bind(&row.rut)
    .execute(db)
    .await?;
    Ok(())
}
