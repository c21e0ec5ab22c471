//! The one place that knows which device computation runs on (`--device cpu|cuda[:N]`).

use candle_core::Device;
use miette::Diagnostic;
use thiserror::Error;

#[derive(Debug, Error, Diagnostic)]
pub enum DeviceError {
    #[error("unknown device `{0}`")]
    #[diagnostic(code(mica::cli::device), help("use `cpu`, `cuda` or `cuda:N`"))]
    Unknown(String),
    #[error("device `{name}` is not available: {reason}")]
    #[diagnostic(
        code(mica::cli::device_unavailable),
        help("CUDA needs a build with `--features cuda` and a visible GPU; `--device cpu` always works")
    )]
    Unavailable { name: String, reason: String },
}

/// Parses a device name and opens the device.
pub fn select_device(name: &str) -> Result<Device, DeviceError> {
    if name == "cpu" {
        return Ok(Device::Cpu);
    }
    let ordinal = match name.strip_prefix("cuda") {
        Some("") => 0,
        Some(rest) => rest
            .strip_prefix(':')
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| DeviceError::Unknown(name.into()))?,
        None => return Err(DeviceError::Unknown(name.into())),
    };
    Device::new_cuda(ordinal).map_err(|e| DeviceError::Unavailable {
        name: name.into(),
        reason: e.to_string(),
    })
}
