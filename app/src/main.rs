fn main() {
    #[cfg(feature = "csr")]
    vitrine_app::crash::install();
    vitrine_app::start();
}
