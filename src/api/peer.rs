//! Who is on the other end of a loopback TCP connection: the peer socket's uid,
//! asked of the kernel by netlink sock_diag (`sock_diag.rs`), else read from
//! /proc/net/tcp and /proc/net/tcp6.
//!
//! For a loopback connection both ends are sockets of this host, so the table
//! holds a row for the client's socket: local = the peer address we see,
//! remote = our local address; its `uid` column is the client's owner.

pub use crate::process::tcp_table::{canonical, parse_addr, parse_table, TcpRow};
use std::net::SocketAddr;

/// True for 127/8, ::1 and IPv4-mapped loopback.
pub fn is_loopback(a: SocketAddr) -> bool {
    canonical(a).ip().is_loopback()
}

/// The uid owning the peer's socket in `rows`: the row whose local address is
/// `peer` and whose remote address is `ours` (any address on our port when we
/// listen on a wildcard address).
pub fn find_uid(rows: &[TcpRow], peer: SocketAddr, ours: SocketAddr) -> Option<u32> {
    let (peer, ours) = (canonical(peer), canonical(ours));
    rows.iter()
        .find(|r| {
            let remote = canonical(r.remote);
            canonical(r.local) == peer
                && remote.port() == ours.port()
                && (ours.ip().is_unspecified() || remote == ours)
        })
        .map(|r| r.uid)
}

/// The uid of a loopback peer from the live tables (None: not found or not loopback).
pub fn peer_uid(peer: SocketAddr, ours: SocketAddr) -> Option<u32> {
    if !is_loopback(peer) {
        return None;
    }
    // The kernel answers for the one socket at once (netlink sock_diag) …
    let (peer_c, ours_c) = (canonical(peer), canonical(ours));
    if !ours_c.ip().is_unspecified() {
        if let Some(uid) = crate::process::sock_diag::socket_uid(peer_c, ours_c) {
            return Some(uid);
        }
    }
    // … else the tables, read whole (milliseconds on a busy host).
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().find_map(|path| {
        let text = std::fs::read_to_string(path).ok()?;
        find_uid(&parse_table(&text), peer, ours)
    })
}

/// True when the peer is a local process of the user running the daemon.
pub fn same_user(peer: SocketAddr, ours: SocketAddr) -> bool {
    // SAFETY: getuid cannot fail.
    let me = unsafe { libc::getuid() };
    peer_uid(peer, ours) == Some(me)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:2231 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 12345 1 0000000000000000 100 0 0 10 0
   1: 0100007F:2231 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 12346 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:D431 0100007F:2231 01 00000000:00000000 00:00000000 00000000  1001        0 12347 1 0000000000000000 20 4 30 10 -1
";

    const TCP6: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:2231 00000000000000000000000001000000:B0F2 01 00000000:00000000 00:00000000 00000000  1000        0 1 1 0000000000000000 20 4 0 10 -1
   1: 00000000000000000000000001000000:B0F2 00000000000000000000000001000000:2231 01 00000000:00000000 00:00000000 00000000  0        0 2 1 0000000000000000 20 4 0 10 -1
   2: 0000000000000000FFFF00000100007F:C001 0000000000000000FFFF00000100007F:2231 01 00000000:00000000 00:00000000 00000000  1002        0 3 1 0000000000000000 20 4 0 10 -1
";

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn parses_ipv4_rows() {
        let rows = parse_table(TCP);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].local, sa("127.0.0.1:8753"));
        assert_eq!(rows[0].remote, sa("0.0.0.0:0"));
        assert_eq!(rows[2].uid, 1001);
    }

    #[test]
    fn finds_the_peer_socket_not_ours() {
        let rows = parse_table(TCP);
        // The client socket 127.0.0.1:54321 → server 127.0.0.1:8753 belongs to uid 1001.
        assert_eq!(
            find_uid(&rows, sa("127.0.0.1:54321"), sa("127.0.0.1:8753")),
            Some(1001)
        );
        assert_eq!(
            find_uid(&rows, sa("127.0.0.1:1"), sa("127.0.0.1:8753")),
            None
        );
    }

    #[test]
    fn parses_ipv6_and_mapped_rows() {
        let rows = parse_table(TCP6);
        assert_eq!(rows[0].local, sa("[::1]:8753"));
        assert_eq!(
            find_uid(&rows, sa("[::1]:45298"), sa("[::1]:8753")),
            Some(0)
        );
        // An IPv4-mapped row matches an IPv4 peer.
        assert_eq!(
            find_uid(&rows, sa("127.0.0.1:49153"), sa("127.0.0.1:8753")),
            Some(1002)
        );
    }

    #[test]
    fn loopback_only() {
        assert!(is_loopback(sa("127.0.0.2:1")));
        assert!(is_loopback(sa("[::1]:1")));
        assert!(is_loopback(sa("[::ffff:127.0.0.1]:1")));
        assert!(!is_loopback(sa("192.168.1.2:1")));
        assert_eq!(peer_uid(sa("192.168.1.2:1"), sa("127.0.0.1:1")), None);
    }

    #[test]
    fn live_connection_is_same_user() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let ours = l.local_addr().unwrap();
        let c = std::net::TcpStream::connect(ours).unwrap();
        let (_s, peer) = l.accept().unwrap();
        assert_eq!(peer, c.local_addr().unwrap());
        assert!(same_user(peer, ours));
    }
}
