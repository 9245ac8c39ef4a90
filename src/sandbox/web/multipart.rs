//! Reading a step's form as the browser posts it (multipart: values and
//! files), with the step's own body limit already applied by the caller.

use crate::sandbox::input::{StepInput, Upload};

/// A step's multipart form: its values, and the files chosen.
pub async fn read_multipart(
    mut mp: axum::extract::Multipart,
) -> Result<StepInput, crate::web::WebError> {
    let mut input = StepInput::default();
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            crate::web::WebError::TooLarge(
                "Svaren eller bilagorna är större än det här steget tar emot. Gå tillbaka, korta texten eller välj en mindre fil."
                    .into(),
            )
        } else {
            crate::web::WebError::BadRequest(format!("Formuläret kunde inte läsas: {e}"))
        }
    };
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name().map(str::to_string) {
            Some(filename) => {
                let bytes = field.bytes().await.map_err(bad)?;
                if !filename.is_empty() {
                    input.uploads.push(Upload {
                        field: name,
                        filename,
                        bytes: bytes.to_vec(),
                    });
                }
            }
            None => {
                let text = field.text().await.map_err(bad)?;
                input.values.entry(name).or_default().push(text);
            }
        }
    }
    Ok(input)
}
