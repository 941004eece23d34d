import socket

from devstack import free_port, is_port_free


def test_free_port_without_preference_is_bindable() -> None:
    port = free_port()
    assert is_port_free(port)


def test_free_port_keeps_a_free_preferred_port() -> None:
    port = free_port()
    assert free_port(port) == port


def test_free_port_steps_over_a_taken_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert not is_port_free(port)
        assert free_port(port) > port
