//! Carry-over: open comments follow a service to its next version. Each is
//! re-anchored against the new variant — its step, its field and its quoted
//! text must still be there — or marked orphaned with the reason. None is
//! dropped silently.

use serde_json::json;
use sqlx::Row;

use crate::services::Variant;

/// Everything a step shows, as anchors are matched against it.
pub fn step_text(v: &Variant, step: &str) -> Option<String> {
    let s = v.steps.iter().find(|s| s.id == step)?;
    let mut out = vec![s.title.clone()];
    out.extend(s.intro.clone());
    for f in &s.fields {
        out.push(f.label.clone());
        out.extend(f.help.clone());
        out.extend(f.text.clone());
        out.extend(f.options.iter().map(|o| o.label.clone()));
    }
    Some(out.join("\n"))
}

fn normalise(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Whether a comment's anchor holds in `variants`; the reason in Swedish when not.
pub fn check_anchor(
    municipality: Option<&str>,
    step: Option<&str>,
    field: Option<&str>,
    quote: Option<&str>,
    variants: &[Variant],
) -> Result<(), String> {
    let Some(m) = municipality else {
        return Ok(());
    };
    let Some(v) = variants.iter().find(|v| v.municipality == m) else {
        return Err(format!("Varianten för {m} finns inte längre."));
    };
    let Some(step) = step else {
        return Ok(());
    };
    // The pages around the steps are built from the variant's settings; a
    // comment there stays pinned as long as the variant exists.
    if crate::sandbox::places::is_page(step) {
        return Ok(());
    }
    let Some(text) = step_text(v, step) else {
        return Err(format!("Steget ”{step}” finns inte längre."));
    };
    if let Some(f) = field
        && !v
            .steps
            .iter()
            .any(|s| s.id == step && s.fields.iter().any(|x| x.id == f && !x.hidden))
    {
        return Err(format!("Fältet ”{f}” finns inte längre i steget."));
    }
    if let Some(q) = quote.filter(|q| !q.trim().is_empty())
        && !normalise(&text).contains(&normalise(q))
    {
        return Err(format!(
            "Den citerade texten ”{q}” finns inte längre i steget."
        ));
    }
    Ok(())
}

/// Copy the previous version's open comments (with their endorsements) to
/// `version_id`, inside the import's transaction. Returns how many.
pub async fn carry_over(
    tx: &mut sqlx::AnyConnection,
    service: &str,
    version_id: i64,
    variants: &[Variant],
) -> Result<usize, sqlx::Error> {
    let Some(prev) = sqlx::query(
        "select id from service_versions where service_id = $1 and id < $2 order by id desc limit 1",
    )
    .bind(service)
    .bind(version_id)
    .fetch_optional(&mut *tx)
    .await?
    .map(|r| r.get::<i64, _>("id")) else {
        return Ok(0);
    };
    let rows = sqlx::query(
        "select id, municipality, step, field, quote from comments where version_id = $1 and parent_id is null and status in ('ny', 'accepterad', 'uppskjuten') order by id",
    )
    .bind(prev)
    .fetch_all(&mut *tx)
    .await?;
    let now = crate::store::now();
    let mut n = 0;
    for r in &rows {
        let id: i64 = r.get("id");
        let (m, step, field, quote): (
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        ) = (
            r.get("municipality"),
            r.get("step"),
            r.get("field"),
            r.get("quote"),
        );
        let orphaned = check_anchor(
            m.as_deref(),
            step.as_deref(),
            field.as_deref(),
            quote.as_deref(),
            variants,
        )
        .err();
        let new_id: i64 = sqlx::query(
            "insert into comments (service_id, version_id, parent_id, municipality, step, field, region_x, region_y, region_w, region_h, quote, quote_prefix, quote_suffix, class, motivation, priority, body, status, status_reason, author_id, author_name, author_municipality, orphaned, carried_from, created_at, updated_at)
             select service_id, $1, null, municipality, step, field, region_x, region_y, region_w, region_h, quote, quote_prefix, quote_suffix, class, motivation, priority, body, status, status_reason, author_id, author_name, author_municipality, $2, id, created_at, $3 from comments where id = $4 returning id",
        )
        .bind(version_id)
        .bind(&orphaned)
        .bind(&now)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?
        .get("id");
        sqlx::query(
            "insert into endorsements (comment_id, municipality, user_id, created_at) select $1, municipality, user_id, created_at from endorsements where comment_id = $2",
        )
        .bind(new_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        crate::store::audit(
            tx,
            "import",
            "comment.carry_over",
            &format!("synpunkt #{id} → #{new_id}"),
            &json!({ "before": { "comment": id }, "after": { "comment": new_id, "orphaned": orphaned } }),
        )
        .await?;
        n += 1;
    }
    // The carried comments' counts, as their endorsements were copied.
    sqlx::query(
        "update comments set endorsement_count = (select count(*) from endorsements e where e.comment_id = comments.id) where version_id = $1 and carried_from is not null",
    )
    .bind(version_id)
    .execute(&mut *tx)
    .await?;
    Ok(n)
}
