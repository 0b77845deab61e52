//! The `accounts` table: one row per RUT, read and written as an [`Account`] of domain values.

use domain::{Address, Comuna, Email, Mobile, Phone, Rut, SecretQuestion};
use sqlx::FromRow;
use sqlx::any::AnyExecutor;

use super::{StoreError, is_unique_violation};

/// A provisional CS from a recovery (§3): its Argon2id hash and when it stops working.
#[derive(Clone, PartialEq, Eq)]
pub struct ProvisionalKey {
    pub hash: String,
    pub expires_at: i64,
}

/// The secret question on file and the hash of its folded answer.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretOnFile {
    pub question: SecretQuestion,
    pub answer_hash: String,
}

/// An account as stored. Personal data stays in this value; only masked forms leave it for logs.
#[derive(Clone)]
pub struct Account {
    pub rut: Rut,
    /// Argon2id PHC string; `None` for imported accounts that never chose a CS.
    pub cs_hash: Option<String>,
    /// `None` for imported accounts (§3.1).
    pub secret: Option<SecretOnFile>,
    /// `None` for imported accounts.
    pub address: Option<Address>,
    pub email: Email,
    pub home_phone: Option<Phone>,
    pub work_phone: Option<Phone>,
    /// `None`: "Sin celular".
    pub mobile: Option<Mobile>,
    pub provisional: Option<ProvisionalKey>,
}

/// Where an account came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Registration,
    Legacy,
}

impl Origin {
    const fn as_str(self) -> &'static str {
        match self {
            Origin::Registration => "registration",
            Origin::Legacy => "legacy",
        }
    }
}

/// What an insert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    Created,
    /// The RUT already has an account (the primary key decides under concurrency).
    RutTaken,
}

#[derive(FromRow)]
struct Row {
    rut: String,
    cs_hash: Option<String>,
    question: Option<String>,
    answer_hash: Option<String>,
    street: Option<String>,
    street_number: Option<String>,
    block: Option<String>,
    apartment: Option<String>,
    comuna: Option<String>,
    email: String,
    home_phone: Option<String>,
    work_phone: Option<String>,
    mobile: Option<String>,
    provisional_hash: Option<String>,
    provisional_expires_at: Option<i64>,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("accounts.{what}"))
}

fn optional<T, E>(raw: Option<String>, parse: fn(&str) -> Result<T, E>, what: &str) -> Result<Option<T>, StoreError> {
    raw.as_deref().map(parse).transpose().map_err(|_| corrupt(what))
}

impl TryFrom<Row> for Account {
    type Error = StoreError;

    fn try_from(row: Row) -> Result<Self, StoreError> {
        let secret = match (row.question, row.answer_hash) {
            (Some(question), Some(answer_hash)) => Some(SecretOnFile {
                question: SecretQuestion::parse(&question).map_err(|_| corrupt("question"))?,
                answer_hash,
            }),
            _ => None,
        };
        let address = match (row.street, row.street_number, row.comuna) {
            (Some(street), Some(number), Some(comuna)) => Some(Address {
                street,
                number,
                block: row.block,
                apartment: row.apartment,
                comuna: Comuna::parse(&comuna).map_err(|_| corrupt("comuna"))?,
            }),
            _ => None,
        };
        let provisional = match (row.provisional_hash, row.provisional_expires_at) {
            (Some(hash), Some(expires_at)) => Some(ProvisionalKey { hash, expires_at }),
            _ => None,
        };
        Ok(Account {
            rut: Rut::parse(&row.rut).map_err(|_| corrupt("rut"))?,
            cs_hash: row.cs_hash,
            secret,
            address,
            email: Email::parse(&row.email).map_err(|_| corrupt("email"))?,
            home_phone: optional(row.home_phone, Phone::parse, "home_phone")?,
            work_phone: optional(row.work_phone, Phone::parse, "work_phone")?,
            mobile: optional(row.mobile, Mobile::parse, "mobile")?,
            provisional,
        })
    }
}

/// The stored text of each column, in the order of [`COLUMNS`].
struct Columns {
    street: Option<String>,
    number: Option<String>,
    block: Option<String>,
    apartment: Option<String>,
    comuna: Option<String>,
    email: String,
    home_phone: Option<String>,
    work_phone: Option<String>,
    mobile: Option<String>,
}

impl Columns {
    fn of(account: &Account) -> Columns {
        let address = account.address.as_ref();
        Columns {
            street: address.map(|a| a.street.clone()),
            number: address.map(|a| a.number.clone()),
            block: address.and_then(|a| a.block.clone()),
            apartment: address.and_then(|a| a.apartment.clone()),
            comuna: address.map(|a| a.comuna.code().to_owned()),
            email: account.email.to_string(),
            home_phone: account.home_phone.map(|p| p.to_string()),
            work_phone: account.work_phone.map(|p| p.to_string()),
            mobile: account.mobile.map(Mobile::e164),
        }
    }
}

const SELECT: &str = "SELECT rut, cs_hash, question, answer_hash, street, street_number, block, apartment, comuna, \
                      email, home_phone, work_phone, mobile, provisional_hash, provisional_expires_at FROM accounts";

pub async fn find(db: impl AnyExecutor<'_>, rut: Rut) -> Result<Option<Account>, StoreError> {
    let row: Option<Row> =
        sqlx::query_as(&format!("{SELECT} WHERE rut = $1")).bind(rut.canonical()).fetch_optional(db).await?;
    row.map(Account::try_from).transpose()
}

/// Every account, in RUT order (tests and operators' checks on small databases).
pub async fn all(db: impl AnyExecutor<'_>) -> Result<Vec<Account>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT} ORDER BY rut")).fetch_all(db).await?;
    rows.into_iter().map(Account::try_from).collect()
}

pub async fn exists(db: impl AnyExecutor<'_>, rut: Rut) -> Result<bool, StoreError> {
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE rut = $1").bind(rut.canonical()).fetch_one(db).await?;
    Ok(count > 0)
}

pub async fn count(db: impl AnyExecutor<'_>) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM accounts").fetch_one(db).await?)
}

/// Inserts a new account; `RutTaken` when the RUT already has one.
pub async fn insert(
    db: impl AnyExecutor<'_>,
    account: &Account,
    origin: Origin,
    now: i64,
) -> Result<Inserted, StoreError> {
    let c = Columns::of(account);
    let secret = account.secret.as_ref();
    let provisional = account.provisional.as_ref();
    let result = sqlx::query(
        "INSERT INTO accounts (rut, cs_hash, question, answer_hash, street, street_number, block, apartment, comuna, \
         email, home_phone, work_phone, mobile, provisional_hash, provisional_expires_at, origin, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .bind(account.rut.canonical())
    .bind(account.cs_hash.clone())
    .bind(secret.map(|s| s.question.code()))
    .bind(secret.map(|s| s.answer_hash.clone()))
    .bind(c.street)
    .bind(c.number)
    .bind(c.block)
    .bind(c.apartment)
    .bind(c.comuna)
    .bind(c.email)
    .bind(c.home_phone)
    .bind(c.work_phone)
    .bind(c.mobile)
    .bind(provisional.map(|p| p.hash.clone()))
    .bind(provisional.map(|p| p.expires_at))
    .bind(origin.as_str())
    .bind(now)
    .bind(now)
    .execute(db)
    .await;
    match result {
        Ok(_) => Ok(Inserted::Created),
        Err(error) if is_unique_violation(&error) => Ok(Inserted::RutTaken),
        Err(error) => Err(error.into()),
    }
}

/// Inserts an imported account (no CS, no question) unless the RUT exists (idempotent legacy import).
pub async fn insert_legacy(
    db: impl AnyExecutor<'_>,
    rut: Rut,
    email: &Email,
    mobile: Option<Mobile>,
    now: i64,
) -> Result<Inserted, StoreError> {
    let result = sqlx::query(
        "INSERT INTO accounts (rut, email, mobile, origin, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (rut) DO NOTHING",
    )
    .bind(rut.canonical())
    .bind(email.to_string())
    .bind(mobile.map(Mobile::e164))
    .bind(Origin::Legacy.as_str())
    .bind(now)
    .bind(now)
    .execute(db)
    .await?;
    Ok(if result.rows_affected() == 1 { Inserted::Created } else { Inserted::RutTaken })
}

/// Stores a provisional CS (recovery), optionally replacing e-mail and mobile (§3.1(7), §3.2(8)).
pub async fn set_provisional(
    db: impl AnyExecutor<'_>,
    rut: Rut,
    key: &ProvisionalKey,
    replacement: Option<(&Email, Mobile)>,
    now: i64,
) -> Result<(), StoreError> {
    let (email, mobile) = replacement.unzip();
    sqlx::query(
        "UPDATE accounts SET provisional_hash = $1, provisional_expires_at = $2, email = COALESCE($3, email), \
         mobile = COALESCE($4, mobile), updated_at = $5 WHERE rut = $6",
    )
    .bind(key.hash.clone())
    .bind(key.expires_at)
    .bind(email.map(Email::to_string))
    .bind(mobile.map(Mobile::e164))
    .bind(now)
    .bind(rut.canonical())
    .execute(db)
    .await?;
    Ok(())
}

/// Sets a new CS and discards any provisional one (§4).
pub async fn set_clave(db: impl AnyExecutor<'_>, rut: Rut, cs_hash: &str, now: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE accounts SET cs_hash = $1, provisional_hash = NULL, provisional_expires_at = NULL, updated_at = $2 \
         WHERE rut = $3",
    )
    .bind(cs_hash.to_owned())
    .bind(now)
    .bind(rut.canonical())
    .execute(db)
    .await?;
    Ok(())
}

/// Stores a secret question and answer (update §5(4), for accounts that had none).
pub async fn set_secret(db: impl AnyExecutor<'_>, rut: Rut, secret: &SecretOnFile, now: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE accounts SET question = $1, answer_hash = $2, updated_at = $3 WHERE rut = $4")
        .bind(secret.question.code())
        .bind(secret.answer_hash.clone())
        .bind(now)
        .bind(rut.canonical())
        .execute(db)
        .await?;
    Ok(())
}

/// Replaces address and contacts (§5(5)) with those of `account`.
pub async fn set_personal_data(db: impl AnyExecutor<'_>, account: &Account, now: i64) -> Result<(), StoreError> {
    let c = Columns::of(account);
    sqlx::query(
        "UPDATE accounts SET street = $1, street_number = $2, block = $3, apartment = $4, comuna = $5, email = $6, \
         home_phone = $7, work_phone = $8, mobile = $9, updated_at = $10 WHERE rut = $11",
    )
    .bind(c.street)
    .bind(c.number)
    .bind(c.block)
    .bind(c.apartment)
    .bind(c.comuna)
    .bind(c.email)
    .bind(c.home_phone)
    .bind(c.work_phone)
    .bind(c.mobile)
    .bind(now)
    .bind(account.rut.canonical())
    .execute(db)
    .await?;
    Ok(())
}

/// Inserts `count` accounts with RUT bodies from `first_body` on, all with the same CS hash, in batches (the
/// benchmark's 1 000 000 accounts). Returns how many were inserted.
pub async fn insert_synthetic(
    db: &sqlx::AnyPool,
    first_body: u32,
    count: u32,
    cs_hash: &str,
    now: i64,
) -> Result<u64, StoreError> {
    const BATCH: u32 = 500;
    let mut inserted = 0;
    let mut body = first_body;
    let end = first_body.saturating_add(count);
    while body < end {
        let batch_end = body.saturating_add(BATCH).min(end);
        let mut tx = db.begin().await?;
        let mut sql =
            String::from("INSERT INTO accounts (rut, cs_hash, email, origin, created_at, updated_at) VALUES ");
        let mut values = Vec::new();
        for b in body..batch_end {
            if let Some(rut) = Rut::from_body(b) {
                values.push(rut.canonical());
            }
        }
        for (i, _) in values.iter().enumerate() {
            let n = i * 6;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("(${}, ${}, ${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4, n + 5, n + 6));
        }
        sql.push_str(" ON CONFLICT (rut) DO NOTHING");
        let mut query = sqlx::query(&sql);
        for rut in &values {
            query = query
                .bind(rut.clone())
                .bind(cs_hash.to_owned())
                .bind(format!("bench{}@example.cl", rut.replace('-', "")))
                .bind(Origin::Legacy.as_str())
                .bind(now)
                .bind(now);
        }
        inserted += query.execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        body = batch_end;
    }
    Ok(inserted)
}
