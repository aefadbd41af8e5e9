//! Pallet configurations, one file per area.

mod consensus;
mod contracts;
mod marketplace;
mod money;
mod permissioning;
mod system;

pub use consensus::*;
pub use contracts::*;
pub use money::*;
pub use permissioning::*;
pub use system::*;
