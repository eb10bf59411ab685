//! The data directory and the master key: created safely, refused when their
//! permissions would let another local user read or swap them.
use crate::load::ConfigError;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use tessera_crypto::MasterKey;

pub const MASTER_KEY_FILE: &str = "master.key";
pub const BOOTSTRAP_FILE: &str = "bootstrap.json";

fn err(key: &str, message: String) -> ConfigError {
    ConfigError {
        key: key.into(),
        message,
    }
}

/// The effective uid of this process: the owner of `/proc/self` (safe code,
/// no libc call).
fn my_uid() -> Option<u32> {
    fs::metadata("/proc/self").ok().map(|m| m.uid())
}

/// Creates the data directory (0700) or checks an existing one: it must be a
/// directory, owned by us, and not writable by group or others.
pub fn prepare(dir: &Path) -> Result<(), ConfigError> {
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| err("data_dir", format!("cannot create {}: {e}", dir.display())))?;
    }
    let meta = fs::metadata(dir)
        .map_err(|e| err("data_dir", format!("cannot read {}: {e}", dir.display())))?;
    if !meta.is_dir() {
        return Err(err(
            "data_dir",
            format!("{} is not a directory", dir.display()),
        ));
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o022 != 0 {
        return Err(err(
            "data_dir",
            format!(
                "{} has mode {mode:o}: other users could replace the database or keys; fix with `chmod 700 {}`",
                dir.display(),
                dir.display()
            ),
        ));
    }
    if let Some(uid) = my_uid() {
        if meta.uid() != uid {
            return Err(err(
                "data_dir",
                format!(
                    "{} is owned by uid {}, not by this process (uid {uid})",
                    dir.display(),
                    meta.uid()
                ),
            ));
        }
    }
    Ok(())
}

/// The master key: from the configuration if set, else from `master.key` in
/// the data directory, created (0600) with a fresh key on first start.
pub fn master_key(configured: Option<&str>, dir: &Path) -> Result<MasterKey, ConfigError> {
    if let Some(b64) = configured {
        return MasterKey::from_base64(b64).map_err(|e| err("master_key", e.to_string()));
    }
    let path = dir.join(MASTER_KEY_FILE);
    if path.exists() {
        check_private_file(&path, "master_key")?;
        let text = fs::read_to_string(&path)
            .map_err(|e| err("master_key", format!("cannot read {}: {e}", path.display())))?;
        return MasterKey::from_base64(text.trim())
            .map_err(|e| err("master_key", format!("{}: {e}", path.display())));
    }
    let key = MasterKey::generate(&mut rand::rngs::OsRng);
    write_new_private(&path, key.to_base64().as_bytes()).map_err(|e| {
        err(
            "master_key",
            format!("cannot create {}: {e}", path.display()),
        )
    })?;
    tracing::info!(path = %path.display(), key_id = %key.key_id(), "created a new master key");
    Ok(key)
}

/// Refuses a secret file that is not ours or is readable by group or others.
pub fn check_private_file(path: &Path, key: &str) -> Result<(), ConfigError> {
    match private_file_problem(path) {
        Some(problem) => Err(err(key, problem)),
        None => Ok(()),
    }
}

/// What is unsafe about a secret file's permissions, if anything.
pub fn private_file_problem(path: &Path) -> Option<String> {
    let meta = fs::metadata(path).ok()?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Some(format!(
            "{} has mode {mode:o}: readable by other users; fix with `chmod 600 {}`",
            path.display(),
            path.display()
        ));
    }
    match my_uid() {
        Some(uid) if meta.uid() != uid => Some(format!(
            "{} is owned by uid {}, not by this process (uid {uid})",
            path.display(),
            meta.uid()
        )),
        _ => None,
    }
}

/// Writes a new file with mode 0600 that must not exist yet, durably: a temp
/// file is written and synced, then hard-linked to `path` (which fails if
/// `path` exists, so nothing is ever overwritten), then the directory synced.
pub fn write_new_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp: PathBuf = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        std::process::id()
    ));
    let _ = fs::remove_file(&tmp);
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        fs::hard_link(&tmp, path)?;
        fs::File::open(dir)?.sync_all()
    })();
    let _ = fs::remove_file(&tmp);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path, m: u32) {
        fs::set_permissions(p, fs::Permissions::from_mode(m)).unwrap();
    }

    #[test]
    fn creates_private_dir_and_refuses_writable_one() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        prepare(&dir).unwrap();
        assert_eq!(
            fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        mode(&dir, 0o777);
        let e = prepare(&dir).unwrap_err();
        assert_eq!(e.key, "data_dir");
        assert!(
            e.message.contains("777") && e.message.contains("chmod 700"),
            "{e}"
        );
        mode(&dir, 0o750);
        prepare(&dir).unwrap();
        let file = tmp.path().join("file");
        fs::write(&file, "x").unwrap();
        assert!(prepare(&file)
            .unwrap_err()
            .message
            .contains("not a directory"));
    }

    #[test]
    fn master_key_file_is_created_private_reused_and_checked() {
        let tmp = tempfile::tempdir().unwrap();
        let k1 = master_key(None, tmp.path()).unwrap();
        let path = tmp.path().join(MASTER_KEY_FILE);
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let k2 = master_key(None, tmp.path()).unwrap();
        assert_eq!(k1.key_id(), k2.key_id());
        mode(&path, 0o644);
        let e = master_key(None, tmp.path()).unwrap_err();
        assert_eq!(e.key, "master_key");
        assert!(e.message.contains("644"), "{e}");
        // A configured key wins over the file; a bad one is refused without echoing it.
        let e = master_key(Some("not-base64!!"), tmp.path()).unwrap_err();
        assert_eq!(e.key, "master_key");
        assert!(!e.message.contains("not-base64!!"));
    }

    #[test]
    fn new_private_files_never_overwrite() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("bootstrap.json");
        write_new_private(&p, b"one").unwrap();
        assert!(write_new_private(&p, b"two").is_err());
        assert_eq!(fs::read(&p).unwrap(), b"one");
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            fs::read_dir(tmp.path()).unwrap().count(),
            1,
            "temp file left behind"
        );
    }
}
