//! `wait` for the API: healthy by default, or `for` port / log:RE / exit.

use crate::config::Config;
use crate::error::Result;
use crate::logs::cursor::Cursor;
use crate::protocol::WaitParams;
use crate::supervisor::wait::{wait_healthy, WaitReport};
use crate::supervisor::wait_for::{wait_for, Condition};
use crate::supervisor::SessionSupervisor;
use actix::Addr;

/// Run the wait `p` asks for on `names`.
pub async fn run(
    sup: &Addr<SessionSupervisor>,
    cfg: &Config,
    names: Vec<String>,
    p: &WaitParams,
) -> Result<WaitReport> {
    let after = p
        .after
        .as_deref()
        .map(|c| Cursor::decode(c, &cfg.name))
        .transpose()?;
    match p.condition.as_ref().map(|c| &c.value) {
        None | Some(Condition::Ready) => {
            wait_healthy(sup, cfg, names, p.deadline(), &mut |_, _, _, _| {}).await
        }
        Some(cond) => wait_for(sup, cfg, names, cond, after, p.deadline()).await,
    }
}
