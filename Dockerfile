# Multi-stage build: compile in the Rust image, run on slim Debian with the
# fixtures (for --demo) and nothing else.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src src
COPY migrations migrations
COPY templates templates
COPY static static
COPY fixtures fixtures
COPY benches benches
# headless_chrome with its transport patch, and axe-core, are compiled in from here.
COPY vendor vendor
RUN cargo build --release --locked --bin provrum

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /app provrum
WORKDIR /app
COPY --from=build /src/target/release/provrum /usr/local/bin/provrum
COPY fixtures fixtures
# Scenarios for runs started from the web; the browser is docker-compose's chromium service.
COPY scenarios scenarios
RUN mkdir -p /data && chown provrum /data
USER provrum
ENV PROVRUM_DATA_DIR=/data PROVRUM_ADDR=0.0.0.0:3000
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://127.0.0.1:3000/healthz || exit 1
ENTRYPOINT ["provrum"]
CMD ["serve"]
