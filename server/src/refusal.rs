//! `Refusal`: why the business logic (flows, authentication, captchas) did not do what was asked, in domain
//! terms. It knows nothing of HTTP: `http::error` maps it to a status and the JSON body, and a
//! redirect-based login can map it to a page instead.

use domain::{ErrorCode, FieldErrors};

use crate::secrets::HashError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// Fields refused, by field.
    #[error("validation failed")]
    Fields(FieldErrors),
    /// A refusal that concerns the request as a whole.
    #[error("refused: {0}")]
    Denied(ErrorCode),
    /// Too many failures or requests: wait `retry_after` seconds.
    #[error("throttled: {code}")]
    Throttled { code: ErrorCode, retry_after: i64 },
    /// Not the citizen's doing: logged, answered with the bare `internal` code.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Refusal {
    /// A refusal of one field.
    pub fn field(field: &str, code: ErrorCode) -> Self {
        let mut fields = FieldErrors::new();
        fields.add(field, code);
        Refusal::Fields(fields)
    }
}

impl From<StoreError> for Refusal {
    fn from(error: StoreError) -> Self {
        Refusal::Internal(error.into())
    }
}

impl From<HashError> for Refusal {
    fn from(error: HashError) -> Self {
        match error {
            HashError::Busy => Refusal::Throttled { code: ErrorCode::ServerBusy, retry_after: 1 },
            HashError::Failed(message) => Refusal::Internal(anyhow::anyhow!(message)),
        }
    }
}

impl From<FieldErrors> for Refusal {
    fn from(fields: FieldErrors) -> Self {
        Refusal::Fields(fields)
    }
}
