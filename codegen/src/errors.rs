//! Collects every error of a declaration so a user sees them all at once,
//! each at its token (the serde_derive `Ctxt` / cxx `Errors` pattern).

use proc_macro2::Span;
use std::fmt::Display;

/// An error collector. Call [`Errors::finish`] to turn it into a result.
#[derive(Default)]
pub struct Errors {
    error: Option<syn::Error>,
}

impl Errors {
    /// Records an error at `span`.
    pub fn push(&mut self, span: Span, message: impl Display) {
        self.push_error(syn::Error::new(span, message));
    }

    /// Records an error covering all of `tokens` (first to last token, also
    /// on stable Rust where spans cannot be joined).
    pub fn push_spanned(&mut self, tokens: &dyn quote::ToTokens, message: impl Display) {
        self.push_error(syn::Error::new_spanned(tokens, message));
    }

    /// Records an existing error (possibly a combination of several).
    pub fn push_error(&mut self, error: syn::Error) {
        match &mut self.error {
            Some(first) => first.combine(error),
            None => self.error = Some(error),
        }
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.error.is_none()
    }

    /// Every recorded error as `compile_error!` invocations (nothing when
    /// none was recorded).
    pub fn into_compile_error(self) -> proc_macro2::TokenStream {
        self.error.map(|e| e.to_compile_error()).unwrap_or_default()
    }

    /// `Ok(value)` when nothing was recorded, else every recorded error.
    pub fn finish<T>(self, value: T) -> syn::Result<T> {
        match self.error {
            Some(error) => Err(error),
            None => Ok(value),
        }
    }
}
