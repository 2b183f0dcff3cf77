//! The bundled tasks and the task-format documentation are embedded in the binary
//! (src/task/builtin.rs, src/cmd/help.rs): build again when they change.
fn main() {
    println!("cargo:rerun-if-changed=tasks");
    println!("cargo:rerun-if-changed=fixtures");
    println!("cargo:rerun-if-changed=docs/task-format.md");
}
