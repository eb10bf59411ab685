//! Filled in by the headless-Chromium test (see the helper task).
