//! The kernel's TCP socket tables over netlink `sock_diag` (the interface `ss`
//! uses): the owner (uid) of one socket by its address pair, and every listening
//! socket's inode and port. Microseconds, where reading /proc/net/tcp takes
//! milliseconds (10 ms on some hosts even with a dozen sockets).

use std::net::{IpAddr, SocketAddr};

const NETLINK_SOCK_DIAG: libc::c_int = 4;
const SOCK_DIAG_BY_FAMILY: u16 = 20;
const NLM_F_REQUEST: u16 = 1;
/// NLM_F_ROOT | NLM_F_MATCH: every socket that matches.
const NLM_F_DUMP: u16 = 0x300;
const NLMSG_DONE: u16 = 3;
/// The LISTEN state (TCP_LISTEN = 10) as a state mask.
const LISTEN_STATES: u32 = 1 << 10;
const NLMSG_ERROR: u16 = 2;
const INET_DIAG_NOCOOKIE: u32 = !0;
/// Every TCP state.
const ALL_STATES: u32 = !0;

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct SockId {
    /// Network byte order.
    sport: u16,
    dport: u16,
    src: [u32; 4],
    dst: [u32; 4],
    interface: u32,
    cookie: [u32; 2],
}

#[repr(C)]
#[derive(Clone, Copy)]
struct Request {
    len: u32,
    kind: u16,
    flags: u16,
    seq: u32,
    pid: u32,
    family: u8,
    protocol: u8,
    ext: u8,
    pad: u8,
    states: u32,
    id: SockId,
}

/// Offset of `idiag_uid` in the answer: nlmsghdr (16) + family, state, timer,
/// retrans (4) + id (48) + expires, rqueue, wqueue (12).
const UID_OFFSET: usize = 16 + 4 + 48 + 12;

fn words(ip: IpAddr) -> [u32; 4] {
    let mut w = [0u32; 4];
    match ip {
        IpAddr::V4(v4) => w[0] = u32::from_ne_bytes(v4.octets()),
        IpAddr::V6(v6) => {
            for (i, chunk) in v6.octets().chunks(4).enumerate() {
                w[i] = u32::from_ne_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
            }
        }
    }
    w
}

/// The uid owning the socket whose local address is `local` and remote address is
/// `remote` (both TCP, same family). None when the kernel does not say.
pub fn socket_uid(local: SocketAddr, remote: SocketAddr) -> Option<u32> {
    let family = match (local.ip(), remote.ip()) {
        (IpAddr::V4(_), IpAddr::V4(_)) => libc::AF_INET,
        (IpAddr::V6(_), IpAddr::V6(_)) => libc::AF_INET6,
        _ => return None,
    };
    let req = Request {
        len: std::mem::size_of::<Request>() as u32,
        kind: SOCK_DIAG_BY_FAMILY,
        flags: NLM_F_REQUEST,
        seq: 1,
        pid: 0,
        family: family as u8,
        protocol: libc::IPPROTO_TCP as u8,
        ext: 0,
        pad: 0,
        states: ALL_STATES,
        id: SockId {
            sport: local.port().to_be(),
            dport: remote.port().to_be(),
            src: words(local.ip()),
            dst: words(remote.ip()),
            interface: 0,
            cookie: [INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE],
        },
    };
    let socket = ask(&req)?;
    let fd = socket.0;
    // SAFETY: a recv on our own socket into a buffer that outlives it, its
    // length passed exactly.
    unsafe {
        let mut buf = [0u8; 512];
        let n = libc::recv(fd, buf.as_mut_ptr() as *mut libc::c_void, buf.len(), 0);
        if n < (UID_OFFSET + 4) as isize {
            return None;
        }
        let kind = u16::from_ne_bytes([buf[4], buf[5]]);
        if kind == NLMSG_ERROR || kind != SOCK_DIAG_BY_FAMILY {
            return None;
        }
        let uid = &buf[UID_OFFSET..UID_OFFSET + 4];
        Some(u32::from_ne_bytes([uid[0], uid[1], uid[2], uid[3]]))
    }
}

/// Offset of `idiag_inode` in one answer message: right after the uid.
const INODE_OFFSET: usize = UID_OFFSET + 4;
/// Offset of `id.sport` (network byte order) in one answer message.
const SPORT_OFFSET: usize = 16 + 4;

/// One listening TCP socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listener {
    pub inode: u64,
    pub port: u16,
    /// Who created it.
    pub uid: u32,
}

/// Every listening TCP socket (IPv4 and IPv6). None when the kernel does not
/// answer (then read /proc/net/tcp instead).
pub fn listening_sockets() -> Option<Vec<Listener>> {
    let mut out = Vec::new();
    for family in [libc::AF_INET, libc::AF_INET6] {
        out.extend(dump_listening(family)?);
    }
    Some(out)
}

fn dump_listening(family: libc::c_int) -> Option<Vec<Listener>> {
    let req = Request {
        len: std::mem::size_of::<Request>() as u32,
        kind: SOCK_DIAG_BY_FAMILY,
        flags: NLM_F_REQUEST | NLM_F_DUMP,
        seq: 2,
        pid: 0,
        family: family as u8,
        protocol: libc::IPPROTO_TCP as u8,
        ext: 0,
        pad: 0,
        states: LISTEN_STATES,
        id: SockId::default(),
    };
    let mut found = Vec::new();
    let socket = ask(&req)?;
    let fd = socket.0;
    // SAFETY: recvs on our own socket into a buffer that outlives them, its
    // length passed exactly.
    unsafe {
        let mut buf = vec![0u8; 32 * 1024];
        loop {
            let n = libc::recv(fd, buf.as_mut_ptr() as *mut libc::c_void, buf.len(), 0);
            if n <= 0 {
                return None;
            }
            let mut at = 0usize;
            let n = n as usize;
            while at + 16 <= n {
                let word =
                    |o: usize| u32::from_ne_bytes([buf[o], buf[o + 1], buf[o + 2], buf[o + 3]]);
                let len = word(at) as usize;
                let kind = u16::from_ne_bytes([buf[at + 4], buf[at + 5]]);
                if len < 16 || at + len > n {
                    return None;
                }
                match kind {
                    NLMSG_DONE => return Some(found),
                    NLMSG_ERROR => return None,
                    SOCK_DIAG_BY_FAMILY if len >= INODE_OFFSET + 4 => {
                        let port = u16::from_be_bytes([
                            buf[at + SPORT_OFFSET],
                            buf[at + SPORT_OFFSET + 1],
                        ]);
                        found.push(Listener {
                            inode: word(at + INODE_OFFSET) as u64,
                            port,
                            uid: word(at + UID_OFFSET),
                        });
                    }
                    _ => {}
                }
                // Messages are 4-byte aligned.
                at += (len + 3) & !3;
            }
        }
    }
}

/// Open a sock_diag socket (answers within a second, or none) and send `req`.
fn ask(req: &Request) -> Option<CloseOnDrop> {
    // SAFETY: plain syscalls on a socket we own; the request and the timeout
    // outlive the calls and their lengths are passed exactly.
    unsafe {
        let fd = libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
            NETLINK_SOCK_DIAG,
        );
        if fd < 0 {
            return None;
        }
        let socket = CloseOnDrop(fd);
        let timeout = libc::timeval {
            tv_sec: 1,
            tv_usec: 0,
        };
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            &timeout as *const _ as *const libc::c_void,
            std::mem::size_of::<libc::timeval>() as libc::socklen_t,
        );
        let size = std::mem::size_of::<Request>();
        let sent = libc::send(fd, req as *const Request as *const libc::c_void, size, 0);
        (sent == size as isize).then_some(socket)
    }
}

struct CloseOnDrop(libc::c_int);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        // SAFETY: the fd is ours and closed once.
        unsafe {
            libc::close(self.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn finds_our_own_loopback_socket() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (_server_side, peer) = listener.accept().unwrap();
        let me = unsafe { libc::getuid() };
        // The client's socket: local = the peer address the server sees.
        assert_eq!(socket_uid(peer, listener.local_addr().unwrap()), Some(me));
        assert_eq!(client.local_addr().unwrap(), peer);
        // IPv6 too, where the host has it.
        if let Ok(l6) = TcpListener::bind("[::1]:0") {
            let _c6 = TcpStream::connect(l6.local_addr().unwrap()).unwrap();
            let (_s6, peer6) = l6.accept().unwrap();
            assert_eq!(socket_uid(peer6, l6.local_addr().unwrap()), Some(me));
        }
        // No such socket.
        let nobody: SocketAddr = "127.0.0.1:1".parse().unwrap();
        assert_eq!(socket_uid(nobody, listener.local_addr().unwrap()), None);
    }

    #[test]
    fn lists_listening_sockets_with_their_inodes() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let sockets = listening_sockets().expect("the kernel answers sock_diag");
        let ours = sockets
            .iter()
            .find(|l| l.port == port)
            .expect("our listener is listed");
        assert_eq!(ours.uid, unsafe { libc::geteuid() });
        let inode = ours.inode;
        // The inode is the one our fd links to.
        use std::os::fd::AsRawFd;
        let link = std::fs::read_link(format!("/proc/self/fd/{}", listener.as_raw_fd())).unwrap();
        assert_eq!(link.to_string_lossy(), format!("socket:[{inode}]"));
        // A connected (not listening) socket is not.
        let _c = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let again = listening_sockets().unwrap();
        assert_eq!(again.iter().filter(|l| l.port == port).count(), 1);
    }
}
