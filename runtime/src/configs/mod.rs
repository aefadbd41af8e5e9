//! Pallet configurations, one file per area.

mod consensus;
mod marketplace;
mod money;
mod permissioning;
mod system;

pub use consensus::*;
pub use money::*;
pub use permissioning::*;
pub use system::*;
