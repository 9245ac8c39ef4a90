//! `provrum convert FLOW.oeflow --out DIR`: an Open ePlatform flow as the
//! package folder it becomes, for a region to keep in git and adapt with
//! overlays; and the flow options `import` shares.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::municipalities::Registry;
use crate::services::oeflow::{self, Options};

/// How a flow becomes a package (`import` and `convert`).
#[derive(Args, Debug, Clone, Default)]
pub struct FlowArgs {
    /// For flows: the version to give it [default: the flow's own].
    #[arg(long = "version")]
    pub version: Option<String>,
    /// For flows: the municipalities taking part [default: every one].
    #[arg(long = "municipality", num_args = 1..)]
    pub municipalities: Vec<String>,
    /// For flows: a municipality's own copy of the flow, as MUNICIPALITY=FILE
    /// (it becomes that municipality's overlay); may be repeated.
    #[arg(long = "variant", value_parser = parse_variant)]
    pub variants: Vec<(String, PathBuf)>,
}

fn parse_variant(s: &str) -> Result<(String, PathBuf), String> {
    match s.split_once('=') {
        Some((m, f)) if !m.is_empty() && !f.is_empty() => Ok((m.to_string(), PathBuf::from(f))),
        _ => Err(format!(
            "`{s}`: write MUNICIPALITY=FILE.oeflow, e.g. kil=kil.oeflow"
        )),
    }
}

impl FlowArgs {
    pub fn options(&self) -> Options {
        Options {
            version: self.version.clone(),
            municipalities: self.municipalities.clone(),
            variants: self.variants.clone(),
        }
    }
}

#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// The flow exported from Open ePlatform.
    pub flow: PathBuf,
    /// The package folder to write (service.yaml, variants/).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace a service.yaml already in the folder.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub flow_args: FlowArgs,
}

pub fn run(args: &ConvertArgs) -> ExitCode {
    let registry = Registry::builtin();
    for m in &args.flow_args.municipalities {
        if registry.get(m).is_none() {
            eprintln!("error: --municipality {m}: no such municipality in the registry");
            return ExitCode::from(2);
        }
    }
    let c = match oeflow::load(&args.flow, registry, &args.flow_args.options()) {
        Ok((_, c)) => c,
        Err(crate::services::LoadError::Invalid(d)) => {
            for x in &d {
                println!("{x}");
            }
            return ExitCode::from(1);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    super::validate::say_conversion(&args.flow, &c);
    let base = args.out.join(crate::services::package::BASE_FILE);
    if base.exists() && !args.force {
        eprintln!(
            "error: {} exists; give another --out, or --force to replace it",
            base.display()
        );
        return ExitCode::from(2);
    }
    for (name, text) in &c.files {
        let path = args.out.join(name);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|_| std::fs::write(&path, text));
        if let Err(e) = written {
            eprintln!("error: {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    // What was written must load as a package: check it as `validate` would.
    match crate::services::load(&args.out, registry) {
        Ok(p) => {
            println!(
                "written: {} ({} {}, {} variants)",
                args.out.display(),
                p.base.id,
                p.base.version,
                p.variants.len()
            );
            ExitCode::SUCCESS
        }
        Err(crate::services::LoadError::Invalid(d)) => {
            for x in &d {
                println!("{x}");
            }
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

#[derive(Args)]
pub struct ExportArgs {
    /// Write an Open ePlatform flow (.oeflow), the only format so far.
    #[arg(long, required = true)]
    pub oeflow: bool,
    /// The service id.
    #[arg(long)]
    pub service: String,
    /// The version [default: the newest imported].
    #[arg(long = "version")]
    pub version: Option<String>,
    /// The municipality whose variant is written.
    #[arg(long)]
    pub municipality: String,
    /// The file to write [default: SERVICE-VERSION-MUNICIPALITY.oeflow].
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub store: super::StoreArgs,
}

/// `provrum export --oeflow`: a tested variant as the flow the platform imports.
pub async fn export(args: &ExportArgs) -> Result<ExitCode, ExitCode> {
    let config = super::config(&args.store)?;
    let db = super::open(&config).await?;
    let found = async {
        let Some(v) =
            crate::services::store::find_version(&db, &args.service, args.version.as_deref())
                .await?
        else {
            return Ok(None);
        };
        let variants = crate::services::store::variants(&db, v.id).await?;
        Ok::<_, sqlx::Error>(Some((v, variants)))
    }
    .await;
    db.close().await;
    let (v, variants) = match found {
        Ok(Some(x)) => x,
        Ok(None) => {
            eprintln!(
                "error: no version of {} is imported (see `provrum services`)",
                args.service
            );
            return Ok(ExitCode::from(1));
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Err(ExitCode::from(2));
        }
    };
    let Some(variant) = variants
        .iter()
        .find(|x| x.municipality == args.municipality)
    else {
        eprintln!(
            "error: {} {} has no variant for {}",
            v.service_id, v.version, args.municipality
        );
        return Ok(ExitCode::from(1));
    };
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "{}-{}-{}.oeflow",
            v.service_id, v.version, variant.municipality
        ))
    });
    if let Err(e) = std::fs::write(&out, oeflow::export(variant, &v.version)) {
        eprintln!("error: {}: {e}", out.display());
        return Err(ExitCode::from(2));
    }
    println!("written: {}", out.display());
    Ok(ExitCode::SUCCESS)
}
