//! Socket helpers for the judge's own connections and listeners on the host's loopback.

use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};

/// Another descriptor of the socket `fd`: socket options set on it hold for both.
pub fn copy(fd: RawFd) -> std::io::Result<OwnedFd> {
    // SAFETY: the caller's descriptor is open for as long as this borrow.
    unsafe { BorrowedFd::borrow_raw(fd) }.try_clone_to_owned()
}

/// SO_LINGER with a zero timeout: when the socket's last descriptor closes, the peer gets a
/// reset (ECONNRESET), not an orderly end. Whether it could be set.
pub fn reset_on_close(socket: &impl AsRawFd) -> bool {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: setsockopt reads `linger` (of the size given) and changes only the socket.
    let result = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    result == 0
}

/// A port of 127.0.0.1 bound and never listened on: while the socket is held, nobody else
/// can take the port, and every connection to it is refused.
pub fn closed_port() -> std::io::Result<(OwnedFd, u16)> {
    use std::os::fd::FromRawFd;
    // SAFETY: socket returns a new descriptor (or -1), which we own from here.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: fd was just returned by socket and is owned by nobody else.
    let socket = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut address = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: 0,
        sin_addr: libc::in_addr {
            s_addr: u32::from(std::net::Ipv4Addr::LOCALHOST).to_be(),
        },
        sin_zero: [0; 8],
    };
    let size = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: bind and getsockname read and write `address`, of the size given.
    unsafe {
        if libc::bind(
            socket.as_raw_fd(),
            (&address as *const libc::sockaddr_in).cast(),
            size,
        ) != 0
        {
            return Err(std::io::Error::last_os_error());
        }
        let mut length = size;
        if libc::getsockname(
            socket.as_raw_fd(),
            (&mut address as *mut libc::sockaddr_in).cast(),
            &mut length,
        ) != 0
        {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok((socket, u16::from_be(address.sin_port)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_closed_port_refuses_connections_while_it_is_held() {
        let (socket, port) = super::closed_port().unwrap();
        let refused = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap_err();
        assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
        // Held: the port cannot be taken by a listener meanwhile.
        assert!(std::net::TcpListener::bind(("127.0.0.1", port)).is_err());
        drop(socket);
    }
}
