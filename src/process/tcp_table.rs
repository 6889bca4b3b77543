//! The kernel's TCP socket tables, /proc/net/tcp and /proc/net/tcp6: one parser for
//! everyone (the port listeners of `ports.rs`, the API's peer check).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// One row of /proc/net/tcp{,6}.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpRow {
    pub local: SocketAddr,
    pub remote: SocketAddr,
    /// The kernel's TCP state (`LISTEN` = 0x0A).
    pub state: u8,
    pub uid: u32,
    /// The socket's inode (0 for sockets of another network namespace).
    pub inode: u64,
}

/// The TCP state of a listening socket.
pub const LISTEN: u8 = 0x0A;

/// Parse one line of /proc/net/tcp or /proc/net/tcp6.
pub fn parse_row(line: &str) -> Option<TcpRow> {
    let f: Vec<&str> = line.split_whitespace().collect();
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode …
    Some(TcpRow {
        local: parse_addr(f.get(1)?)?,
        remote: parse_addr(f.get(2)?)?,
        state: u8::from_str_radix(f.get(3)?, 16).ok()?,
        uid: f.get(7)?.parse().ok()?,
        inode: f.get(9)?.parse().ok()?,
    })
}

/// Parse the text of /proc/net/tcp or /proc/net/tcp6 (header line skipped).
pub fn parse_table(text: &str) -> Vec<TcpRow> {
    text.lines().skip(1).filter_map(parse_row).collect()
}

/// `0100007F:1F90` (IPv4) or 32 hex digits + `:PORT` (IPv6); each 32-bit word is
/// printed by the kernel in host byte order.
pub fn parse_addr(s: &str) -> Option<SocketAddr> {
    let (ip, port) = s.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |h: &str| u32::from_str_radix(h, 16).ok().map(u32::to_ne_bytes);
    let ip = match ip.len() {
        8 => IpAddr::V4(Ipv4Addr::from(word(ip)?)),
        32 => {
            let mut b = [0u8; 16];
            for i in 0..4 {
                b[i * 4..i * 4 + 4].copy_from_slice(&word(&ip[i * 8..i * 8 + 8])?);
            }
            IpAddr::V6(Ipv6Addr::from(b))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

/// IPv4-mapped IPv6 addresses as IPv4, so both tables compare alike.
pub fn canonical(a: SocketAddr) -> SocketAddr {
    match a.ip() {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(IpAddr::V4(v4), a.port()),
            None => a,
        },
        _ => a,
    }
}
