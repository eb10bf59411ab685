//! The client-assertion replay memory, written once for both backends:
//! an insert that does nothing when the key exists, so the database's
//! primary key — not a read before the write — decides the first use.

macro_rules! impl_replay {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::AssertionReplayStore for $store {
            async fn first_use_of_assertion(
                &self,
                t: tessera_model::TenantId,
                client: tessera_model::AppId,
                jti_digest: &[u8],
                expires_at: time::OffsetDateTime,
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.begin_ephemeral_write().await?;
                let n = sqlx::query(
                    "INSERT INTO used_assertions (tenant_id, client_id, jti_digest, expires_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (tenant_id, client_id, jti_digest) DO NOTHING",
                )
                .bind(t.to_string())
                .bind(client.to_string())
                .bind(jti_digest.to_vec())
                .bind(tessera_model::to_millis(expires_at))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok(n == 1)
            }
        }
    };
}
pub(crate) use impl_replay;
