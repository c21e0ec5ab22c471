//! Reading a user's arrays from files: `.npy`, `.npz` (a zip of `.npy` files), `.safetensors`
//! and `.csv` (a header row naming the columns). An array is named `FILE` (a `.npy`), or
//! `FILE:KEY`: the array KEY of an `.npz` or `.safetensors` file, or for a `.csv` the columns
//! KEY names (`a,b,c`, or `x*` for every column whose name starts with `x`, in file order).
//! Values become f64 rows; integer arrays are kept as integers too (labels). Every problem is a
//! typed [`LoadError`] naming the path and the key. Plain I/O and numerics: nothing here knows
//! the language.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A 1-D or 2-D array as rows of f64 (a 1-D array is one column).
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    pub rows: usize,
    pub cols: usize,
    /// Row-major.
    pub values: Vec<f64>,
    /// Stored as integers (or booleans) in the file.
    pub integer: bool,
}

/// Why an array could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadError {
    /// The file does not exist or cannot be opened.
    Missing { path: PathBuf, why: String },
    /// The file has no array (or column) of that name.
    NoKey {
        path: PathBuf,
        key: String,
        available: Vec<String>,
    },
    /// `FILE` alone where the format holds several arrays, or `FILE:KEY` for a `.npy`.
    KeyUse { path: PathBuf, why: String },
    /// An element type that is not a real number (strings, complex, dates).
    Dtype {
        path: PathBuf,
        key: String,
        dtype: String,
    },
    /// An array of rank 0 or above 2.
    Rank {
        path: PathBuf,
        key: String,
        shape: Vec<usize>,
    },
    /// No rows, or no columns.
    Empty { path: PathBuf, key: String },
    /// The file is not what its extension says (or is damaged).
    Format {
        path: PathBuf,
        format: &'static str,
        why: String,
    },
    /// An extension mica does not read.
    Extension { path: PathBuf },
}

/// `path:key`, or the path alone for a file that holds one array.
fn named(path: &Path, key: &str) -> String {
    if key.is_empty() {
        path.display().to_string()
    } else {
        format!("{}:{key}", path.display())
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Missing { path, why } => {
                write!(f, "cannot open `{}`: {why}", path.display())
            }
            LoadError::NoKey {
                path,
                key,
                available,
            } => write!(
                f,
                "`{}` has no array or column `{key}` (it has: {})",
                path.display(),
                if available.is_empty() {
                    "nothing".to_string()
                } else {
                    available.join(", ")
                }
            ),
            LoadError::KeyUse { path, why } => write!(f, "`{}`: {why}", path.display()),
            LoadError::Dtype { path, key, dtype } => {
                write!(f, "`{}` holds {dtype}, not numbers", named(path, key))
            }
            LoadError::Rank { path, key, shape } => write!(
                f,
                "`{}` has shape {shape:?}; mica reads 1-D arrays (one value per row) and 2-D arrays (rows x features)",
                named(path, key)
            ),
            LoadError::Empty { path, key } => write!(f, "`{}` is empty", named(path, key)),
            LoadError::Format { path, format, why } => write!(
                f,
                "`{}` is not a readable {format} file: {why}",
                path.display()
            ),
            LoadError::Extension { path } => write!(
                f,
                "`{}`: mica reads .npy, .npz, .safetensors and .csv files",
                path.display()
            ),
        }
    }
}

/// Splits `FILE:KEY` (the last `:` not followed by a path separator) into the file and key.
pub fn split_name(name: &str) -> (&str, Option<&str>) {
    match name.rfind(':') {
        Some(i) if i > 1 && !name[i + 1..].contains(['/', '\\']) => {
            (&name[..i], Some(&name[i + 1..]))
        }
        _ => (name, None),
    }
}

/// Reads the array `key` of the file at `path` (see the module doc for what a key is).
pub fn read(path: &Path, key: Option<&str>) -> Result<Array, LoadError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    // Name an unreadable format before a missing file: either way nothing could be read.
    if !matches!(ext.as_deref(), Some("npy" | "npz" | "safetensors" | "csv")) {
        return Err(LoadError::Extension {
            path: path.to_path_buf(),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| LoadError::Missing {
        path: path.to_path_buf(),
        why: e.to_string(),
    })?;
    let key_text = key.unwrap_or("").to_string();
    let array = match ext.as_deref() {
        Some("npy") => {
            if let Some(k) = key {
                return Err(LoadError::KeyUse {
                    path: path.to_path_buf(),
                    why: format!("a .npy file holds one array; drop `:{k}`"),
                });
            }
            read_npy(&bytes, path, "")?
        }
        Some("npz") => {
            let k = need_key(path, key, "an .npz archive holds several arrays")?;
            read_npz(&bytes, path, k)?
        }
        Some("safetensors") => {
            let k = need_key(path, key, "a .safetensors file holds several tensors")?;
            read_safetensors(&bytes, path, k)?
        }
        Some("csv") => {
            let k = need_key(path, key, "name the columns")?;
            read_csv(&bytes, path, k)?
        }
        _ => {
            return Err(LoadError::Extension {
                path: path.to_path_buf(),
            })
        }
    };
    if array.rows == 0 || array.cols == 0 {
        return Err(LoadError::Empty {
            path: path.to_path_buf(),
            key: key_text,
        });
    }
    Ok(array)
}

fn need_key<'k>(path: &Path, key: Option<&'k str>, why: &str) -> Result<&'k str, LoadError> {
    key.ok_or_else(|| LoadError::KeyUse {
        path: path.to_path_buf(),
        why: format!("{why}: write `FILE:KEY`"),
    })
}

fn format_error(path: &Path, format: &'static str, why: impl fmt::Display) -> LoadError {
    LoadError::Format {
        path: path.to_path_buf(),
        format,
        why: why.to_string(),
    }
}

/// Rows and columns of a 1-D or 2-D shape.
fn matrix_shape(shape: &[usize], path: &Path, key: &str) -> Result<(usize, usize), LoadError> {
    match shape {
        [n] => Ok((*n, 1)),
        [n, d] => Ok((*n, *d)),
        _ => Err(LoadError::Rank {
            path: path.to_path_buf(),
            key: key.to_string(),
            shape: shape.to_vec(),
        }),
    }
}

fn read_npy(bytes: &[u8], path: &Path, key: &str) -> Result<Array, LoadError> {
    use npyz::TypeChar;
    let npy = npyz::NpyFile::new(bytes).map_err(|e| format_error(path, ".npy", e))?;
    let shape: Vec<usize> = npy.shape().iter().map(|&s| s as usize).collect();
    let (rows, cols) = matrix_shape(&shape, path, key)?;
    let fortran = npy.order() == npyz::Order::Fortran;
    let dtype = npy.dtype();
    let bad = |d: &str| LoadError::Dtype {
        path: path.to_path_buf(),
        key: key.to_string(),
        dtype: d.to_string(),
    };
    let npyz::DType::Plain(ty) = &dtype else {
        return Err(bad("a structured record"));
    };
    // Every numeric element type, widened to f64 (integers exactly up to 2^53).
    fn widen<T: npyz::Deserialize>(
        npy: npyz::NpyFile<&[u8]>,
        path: &Path,
        f: fn(T) -> f64,
    ) -> Result<Vec<f64>, LoadError> {
        let values = npy
            .into_vec::<T>()
            .map_err(|e| format_error(path, ".npy", e))?;
        Ok(values.into_iter().map(f).collect())
    }
    let (values, integer): (Vec<f64>, bool) = match (ty.type_char(), ty.size_field()) {
        (TypeChar::Float, 8) => (widen::<f64>(npy, path, |v| v)?, false),
        (TypeChar::Float, 4) => (widen::<f32>(npy, path, f64::from)?, false),
        (TypeChar::Int, 8) => (widen::<i64>(npy, path, |v| v as f64)?, true),
        (TypeChar::Int, 4) => (widen::<i32>(npy, path, f64::from)?, true),
        (TypeChar::Int, 1) => (widen::<i8>(npy, path, f64::from)?, true),
        (TypeChar::Uint, 1) | (TypeChar::Bool, 1) => (widen::<u8>(npy, path, f64::from)?, true),
        (TypeChar::Uint, 4) => (widen::<u32>(npy, path, f64::from)?, true),
        (TypeChar::Uint, 8) => (widen::<u64>(npy, path, |v| v as f64)?, true),
        _ => return Err(bad(&ty.to_string())),
    };
    let values = if fortran && cols > 1 {
        // Column-major on disk: transpose to rows.
        (0..rows * cols)
            .map(|k| values[(k % cols) * rows + k / cols])
            .collect()
    } else {
        values
    };
    Ok(Array {
        rows,
        cols,
        values,
        integer,
    })
}

fn read_npz(bytes: &[u8], path: &Path, key: &str) -> Result<Array, LoadError> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format_error(path, ".npz", e))?;
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok())
        .map(|n| n.trim_end_matches(".npy").to_string())
        .collect();
    let mut entry = match zip.by_name(&format!("{key}.npy")) {
        Ok(e) => e,
        Err(zip::result::ZipError::FileNotFound) => {
            let mut available = names;
            available.sort();
            return Err(LoadError::NoKey {
                path: path.to_path_buf(),
                key: key.to_string(),
                available,
            });
        }
        Err(e) => return Err(format_error(path, ".npz", e)),
    };
    let mut inner = Vec::new();
    entry
        .read_to_end(&mut inner)
        .map_err(|e| format_error(path, ".npz", e))?;
    read_npy(&inner, path, key)
}

fn read_safetensors(bytes: &[u8], path: &Path, key: &str) -> Result<Array, LoadError> {
    use safetensors::Dtype;
    let st = safetensors::SafeTensors::deserialize(bytes)
        .map_err(|e| format_error(path, ".safetensors", e))?;
    let view = st.tensor(key).map_err(|_| {
        let mut available: Vec<String> = st.names().into_iter().map(String::from).collect();
        available.sort();
        LoadError::NoKey {
            path: path.to_path_buf(),
            key: key.to_string(),
            available,
        }
    })?;
    let (rows, cols) = matrix_shape(view.shape(), path, key)?;
    let data = view.data();
    fn le<const N: usize>(data: &[u8]) -> impl Iterator<Item = [u8; N]> + '_ {
        data.chunks_exact(N)
            .map(|c| c.try_into().expect("chunks of N bytes"))
    }
    let (values, integer): (Vec<f64>, bool) = match view.dtype() {
        Dtype::F64 => (le::<8>(data).map(f64::from_le_bytes).collect(), false),
        Dtype::F32 => (
            le::<4>(data)
                .map(|b| f64::from(f32::from_le_bytes(b)))
                .collect(),
            false,
        ),
        Dtype::I64 => (
            le::<8>(data)
                .map(|b| i64::from_le_bytes(b) as f64)
                .collect(),
            true,
        ),
        Dtype::I32 => (
            le::<4>(data)
                .map(|b| f64::from(i32::from_le_bytes(b)))
                .collect(),
            true,
        ),
        Dtype::U8 | Dtype::BOOL => (data.iter().map(|&b| f64::from(b)).collect(), true),
        other => {
            return Err(LoadError::Dtype {
                path: path.to_path_buf(),
                key: key.to_string(),
                dtype: format!("{other:?}"),
            })
        }
    };
    Ok(Array {
        rows,
        cols,
        values,
        integer,
    })
}

fn read_csv(bytes: &[u8], path: &Path, key: &str) -> Result<Array, LoadError> {
    let mut reader = csv::Reader::from_reader(bytes);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format_error(path, ".csv", e))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let wanted: Vec<usize> = if let Some(prefix) = key.strip_suffix('*') {
        headers
            .iter()
            .enumerate()
            .filter(|(_, h)| h.starts_with(prefix))
            .map(|(i, _)| i)
            .collect()
    } else {
        key.split(',')
            .map(|name| {
                headers
                    .iter()
                    .position(|h| h == name.trim())
                    .ok_or_else(|| LoadError::NoKey {
                        path: path.to_path_buf(),
                        key: name.trim().to_string(),
                        available: headers.clone(),
                    })
            })
            .collect::<Result<_, _>>()?
    };
    if wanted.is_empty() {
        return Err(LoadError::NoKey {
            path: path.to_path_buf(),
            key: key.to_string(),
            available: headers,
        });
    }
    let mut values = Vec::new();
    let mut integer = true;
    let mut rows = 0;
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format_error(path, ".csv", e))?;
        for &c in &wanted {
            let cell = record.get(c).unwrap_or("").trim();
            let v: f64 = cell.parse().map_err(|_| {
                format_error(
                    path,
                    ".csv",
                    format!(
                        "row {} (after the header), column `{}`: `{cell}` is not a number",
                        i + 1,
                        headers[c]
                    ),
                )
            })?;
            integer &= cell.parse::<i64>().is_ok();
            values.push(v);
        }
        rows += 1;
    }
    Ok(Array {
        rows,
        cols: wanted.len(),
        values,
        integer,
    })
}

/// FNV-1a (64-bit) of a file's bytes, as 16 hex digits: the content hash reports record.
pub fn content_hash(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    Some(format!("{:016x}", fnv1a(&bytes)))
}

/// FNV-1a, 64-bit: a fast, stable (the same on every machine and build) hash of bytes.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}
