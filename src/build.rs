//! The build script: records the name of the code the binary is built
//! from (`BONFIRE_COMMIT`), which `bonfire --version` prints and every
//! run's `manifest.json` and seals keep, so that a figure can be traced to
//! the code that made it: the commit, with `+modified.` and a digest of
//! the code where the code differs from it, or `unknown.` and the digest
//! outside a git checkout (`src/build_identity.rs`). With no
//! `rerun-if-changed`, cargo runs it again whenever a file of the package
//! changes, so the name follows edits made since the commit.

#[path = "build_identity.rs"]
mod build_identity;

fn main() {
    let root = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let name = build_identity::code_name(std::path::Path::new(&root));
    println!("cargo:rustc-env=BONFIRE_COMMIT={name}");
}
