fn main() {
    #[cfg(feature = "hydrate")]
    vitrine_app::crash::install();
    vitrine_app::start();
}
