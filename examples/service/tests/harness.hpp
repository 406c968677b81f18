// SPDX-License-Identifier: MIT
// Black-box harness for ward-service: starts the real binary (WARD_SERVICE_BINARY) as a child
// process on a temporary database and a free port, talks HTTP to it, mints tokens with its `token`
// subcommand and forges tokens with the database's own secret.
//
//   temp_dir dir;                                   // mkdtemp under /tmp, removed at the end
//   service_process server(dir.file("ward.db"));    // serve --port 0, waits for "listening"
//   client http(server.port());
//   auto r = http.get("/api/v1/users", login(http, "bcrippen@provide.local", seeded_password));
//   CHECK(r.status == 200);
//   CHECK(r.json.size() == 5);
//
// Failures to start, to mint or to log in throw std::runtime_error with the service's output, so
// the test case fails with the reason.
#ifndef WARD_SERVICE_TESTS_HARNESS_HPP
#define WARD_SERVICE_TESTS_HARNESS_HPP

#include "crypto.hpp"
#if WARD_SERVICE_POSTGRESQL
#include "pg.hpp"
#endif

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WARD_SERVICE_BINARY
#error "WARD_SERVICE_BINARY must name the ward-service program (the build defines it)"
#endif

extern char** environ;

namespace ward_service_test {

using json = nlohmann::json;

/// Every seeded person's password (README, "Seeded data").
inline constexpr const char* seeded_password = "ward-demo-password";

/// The README's seeded identifiers.
namespace seeded {
// provide ident
inline constexpr const char* organization = "6f1d2c3b-4a59-4876-9a5b-0c1d2e3f4a5b";
inline constexpr const char* shop = "cb2037f7-79fc-40f4-9720-ada636da4183"; // the seed document's application
inline constexpr const char* blog = "5d0b7a4e-2f1c-4e8a-9b3d-6c7e8f9a0b1c";
inline constexpr const char* john = "15679071-4a5e-41e3-a495-5d93b478257b";    // 415, global
inline constexpr const char* bob = "45a64d9f-3996-4ab0-9de6-2e8b44ef119c";     // 415 + ListUsers, global
inline constexpr const char* kathryn = "0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f"; // 415 + Sudo, global
inline constexpr const char* sally = "efef1044-4958-43bc-903b-28f2bb938037";   // 386, application shop
inline constexpr const char* guion = "7c6b5a49-3827-4615-a4b3-c2d1e0f9a8b7";   // 386, application blog
inline constexpr const char* john_email = "jyoung@provide.local";
inline constexpr const char* bob_email = "bcrippen@provide.local";
inline constexpr const char* kathryn_email = "ksullivan@provide.local";
inline constexpr const char* sally_email = "sride@provide.local";
inline constexpr const char* guion_email = "gbluford@provide.local";
inline constexpr std::uint32_t default_mask = 415;
inline constexpr std::uint32_t list_users = 1u << 20, create_user = 1u << 21, update_user = 1u << 22,
                               delete_user = 1u << 23, sudo = 1u << 29;
} // namespace seeded

inline std::string service_binary() { return WARD_SERVICE_BINARY; }

inline std::string trim(std::string s) {
    const char* space = " \t\r\n";
    const auto first = s.find_first_not_of(space);
    if (first == std::string::npos) return {};
    const auto last = s.find_last_not_of(space);
    return s.substr(first, last - first + 1);
}

inline std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// ---- temporary directory ------------------------------------------------------------------------

/// A fresh directory under /tmp (mkdtemp), removed recursively on destruction.
class temp_dir {
public:
    temp_dir() {
        std::string templ = "/tmp/ward-service-test-XXXXXX";
        std::vector<char> buffer(templ.begin(), templ.end());
        buffer.push_back('\0');
        if (::mkdtemp(buffer.data()) == nullptr) throw std::runtime_error(errno_text("mkdtemp"));
        path_ = buffer.data();
    }
    ~temp_dir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const std::string& path() const noexcept { return path_; }
    /// `path()/name`.
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// ---- child processes ----------------------------------------------------------------------------

namespace detail {

struct fd_guard {
    int fd = -1;
    fd_guard() = default;
    explicit fd_guard(int f) noexcept : fd(f) {}
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
    fd_guard(fd_guard&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
    fd_guard& operator=(fd_guard&& o) noexcept {
        if (this != &o) {
            reset();
            fd = std::exchange(o.fd, -1);
        }
        return *this;
    }
    ~fd_guard() { reset(); }
    void reset() noexcept {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
};

struct pipe_pair {
    fd_guard read_end, write_end;
};

inline pipe_pair make_pipe() {
    int fds[2];
    // Close-on-exec in this process, so children spawned concurrently by other threads do not
    // inherit the other end; posix_spawn's dup2 clears the flag on the child's copy.
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(errno_text("pipe2"));
    return {fd_guard(fds[0]), fd_guard(fds[1])};
}

/// posix_spawn `argv` (no shell) with stdout and stderr redirected to the given descriptors
/// (-1: /dev/null for stdin and stderr, inherited for stdout). Returns the child's pid.
inline pid_t spawn(const std::vector<std::string>& argv, int stdout_fd, int stderr_fd,
                   const std::string& stderr_file = {}) {
    posix_spawn_file_actions_t actions;
    if (posix_spawn_file_actions_init(&actions) != 0) throw std::runtime_error("posix_spawn_file_actions_init");
    struct actions_guard {
        posix_spawn_file_actions_t* a;
        ~actions_guard() { posix_spawn_file_actions_destroy(a); }
    } guard{&actions};
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    if (stdout_fd >= 0) posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
    if (stderr_fd >= 0) {
        posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2);
    } else if (!stderr_file.empty()) {
        posix_spawn_file_actions_addopen(&actions, 2, stderr_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    } else {
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    }
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    if (rc != 0)
        throw std::runtime_error("posix_spawn " + argv[0] +
                                 (stderr_file.empty() ? "" : " (standard error to " + stderr_file + ")") + ": " +
                                 std::strerror(rc));
    return pid;
}

/// fork + exec of `argv` with stdin from /dev/null, stdout to `stdout_fd` and stderr appended to
/// `stderr_file`; the child gets SIGTERM if this thread's process dies first (PR_SET_PDEATHSIG),
/// so a test binary killed mid-run (timeout, SIGPIPE) leaves no service behind. Call it from a
/// thread that outlives the child (the death signal follows the forking thread).
inline pid_t spawn_tied(const std::vector<std::string>& argv, int stdout_fd, const std::string& stderr_file) {
    // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t parent = ::getpid();
    const long open_max = ::sysconf(_SC_OPEN_MAX);
    const int last_fd = open_max > 0 && open_max < 65536 ? static_cast<int>(open_max) : 65536;
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(errno_text("fork"));
    if (pid == 0) {
        if (::prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || ::getppid() != parent) ::_exit(126);
        const int in = ::open("/dev/null", O_RDONLY);
        const int err = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (in < 0 || err < 0 || ::dup2(in, 0) < 0 || ::dup2(stdout_fd, 1) < 0 || ::dup2(err, 2) < 0) ::_exit(126);
        // Nothing else of the test process (its client sockets, other pipes) goes with the service.
        for (int fd = 3; fd < last_fd; ++fd) ::close(fd);
        ::execve(args[0], args.data(), environ);
        ::_exit(127);
    }
    return pid;
}

/// Waits for `pid` up to `timeout`; the raw wait status, or nullopt if it is still running.
inline std::optional<int> wait_for(pid_t pid, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) return status;
        if (r < 0 && errno != EINTR) return status; // not our child any more: nothing to wait for
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

inline std::string describe_status(int status) {
    if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
    return "status " + std::to_string(status);
}

} // namespace detail

struct program_result {
    int exit_code = -1; ///< -1 when killed by a signal
    std::string out, err;
};

/// Runs `argv` (argv[0] a path, no shell), capturing stdout and stderr. Kills it after `timeout`.
inline program_result run_program(const std::vector<std::string>& argv,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    detail::pipe_pair out = detail::make_pipe(), err = detail::make_pipe();
    const pid_t pid = detail::spawn(argv, out.write_end.fd, err.write_end.fd);
    out.write_end.reset();
    err.write_end.reset();
    program_result result;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    detail::fd_guard* streams[2] = {&out.read_end, &err.read_end};
    std::string* sinks[2] = {&result.out, &result.err};
    while (out.read_end.fd >= 0 || err.read_end.fd >= 0) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            throw std::runtime_error("timed out running " + argv[0]);
        }
        // A negative fd is ignored by poll.
        pollfd fds[2] = {{out.read_end.fd, POLLIN, 0}, {err.read_end.fd, POLLIN, 0}};
        const int n = ::poll(fds, 2, static_cast<int>(left.count()));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw std::runtime_error(errno_text("poll"));
        for (std::size_t i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            char buffer[4096];
            const ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
            if (got > 0) {
                sinks[i]->append(buffer, static_cast<std::size_t>(got));
            } else if (got == 0 || errno != EINTR) {
                streams[i]->reset();
            }
        }
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    std::optional<int> status = detail::wait_for(pid, std::max(left, std::chrono::milliseconds(1000)));
    if (!status) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        throw std::runtime_error("timed out waiting for " + argv[0]);
    }
    result.exit_code = WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
    return result;
}

// ---- the service ---------------------------------------------------------------------------------

/// `ward-service serve --db DB --host 127.0.0.1 --port 0 --pbkdf2-iterations 1000 --verify-writes
/// [extra...]` as a child process: every write of every test also checks that the policies it
/// derived from the records it changed are those a full reload gives (`verified::no` leaves that
/// out, for timings). The constructor returns once the service printed its "listening" line (or throws
/// after `startup_timeout`, with what the service printed). The destructor sends SIGTERM and waits,
/// then SIGKILL. The service's standard error goes to DB + ".stderr.log" (for a PostgreSQL URI, to
/// a file in /tmp named by the process, removed with it; `stderr_log()` reads it). Construct it on a thread
/// that lives as long as it (the test's own thread): the service is tied to that thread's life.
enum class verified { yes, no };

class service_process {
public:
    explicit service_process(std::string db, std::vector<std::string> extra = {},
                             std::chrono::milliseconds startup_timeout = std::chrono::seconds(20),
                             verified writes = verified::yes)
        : db_(std::move(db)), log_(log_path(db_)) {
        std::vector<std::string> argv = {
            service_binary(),      "serve", "--db", db_, "--host", "127.0.0.1", "--port", "0",
            "--pbkdf2-iterations", "1000"};
        if (writes == verified::yes) argv.push_back("--verify-writes");
        argv.insert(argv.end(), extra.begin(), extra.end());
        detail::pipe_pair out = detail::make_pipe();
        pid_ = detail::spawn_tied(argv, out.write_end.fd, log_);
        out.write_end.reset();
        stdout_ = std::move(out.read_end);
        try {
            wait_until_listening(startup_timeout);
        } catch (...) {
            terminate_child();
            throw;
        }
        // Keep draining standard output so the service never blocks writing to it.
        // (Polling, so a stray holder of the pipe's other end cannot keep stop() waiting.)
        drain_ = std::thread([this] {
            char buffer[4096];
            while (!stopping_.load()) {
                pollfd p{stdout_.fd, POLLIN, 0};
                const int n = ::poll(&p, 1, 50);
                if (n == 0 || (n < 0 && errno == EINTR)) continue;
                if (n < 0) break;
                const ssize_t got = ::read(stdout_.fd, buffer, sizeof buffer);
                if (got > 0) continue;
                if (got < 0 && errno == EINTR) continue;
                break;
            }
        });
    }
    ~service_process() {
        stop();
        if (db_.rfind("postgresql://", 0) == 0) ::unlink(log_.c_str()); // in /tmp, not in a test's directory
    }
    service_process(const service_process&) = delete;
    service_process& operator=(const service_process&) = delete;

    int port() const noexcept { return port_; }
    const std::string& db() const noexcept { return db_; }
    pid_t pid() const noexcept { return pid_; }
    /// The "listening" line as printed.
    const std::string& banner() const noexcept { return banner_; }
    /// What the service wrote to standard error so far.
    std::string stderr_log() const { return read_file(log_); }
    /// Where the standard error of a service on database `db` goes.
    static std::string log_path(const std::string& db) {
        if (db.rfind("postgresql://", 0) != 0) return db + ".stderr.log";
        static int n = 0;
        return "/tmp/ward-service-pg-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + ".stderr.log";
    }
    /// True while the child has not exited.
    bool running() {
        if (exited_) return false;
        int status = 0;
        const pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            exited_ = true;
            status_ = status;
            return false;
        }
        return true;
    }

    /// `signal` (SIGTERM), wait up to `timeout`, then SIGKILL. Returns the raw wait status (idempotent).
    int stop(std::chrono::milliseconds timeout = std::chrono::seconds(10), int signal = SIGTERM) {
        if (!exited_ && pid_ > 0) {
            ::kill(pid_, signal);
            std::optional<int> status = detail::wait_for(pid_, timeout);
            if (!status) {
                killed_ = true;
                ::kill(pid_, SIGKILL);
                int s = 0;
                ::waitpid(pid_, &s, 0);
                status = s;
            }
            exited_ = true;
            status_ = *status;
        }
        stopping_.store(true);
        if (drain_.joinable()) drain_.join();
        stdout_.reset();
        return status_;
    }
    /// After stop(): whether the service exited with code 0 on SIGTERM within the timeout.
    bool stopped_cleanly() const noexcept {
        return exited_ && !killed_ && WIFEXITED(status_) && WEXITSTATUS(status_) == 0;
    }
    std::string exit_description() const { return detail::describe_status(status_); }

private:
    void terminate_child() {
        if (pid_ > 0 && !exited_) {
            ::kill(pid_, SIGKILL);
            int s = 0;
            ::waitpid(pid_, &s, 0);
            exited_ = true;
            status_ = s;
        }
    }

    void wait_until_listening(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::string seen;
        const std::string prefix = "ward-service listening on http://127.0.0.1:";
        for (;;) {
            std::size_t newline;
            while ((newline = seen.find('\n')) != std::string::npos) {
                std::string line = seen.substr(0, newline);
                seen.erase(0, newline + 1);
                if (!line.empty() && line.back() == '\r') line.pop_back();
                consumed_ += line + "\n";
                if (line.rfind(prefix, 0) != 0) continue;
                const std::string rest = line.substr(prefix.size());
                const auto space = rest.find(' ');
                const std::string digits = rest.substr(0, space);
                if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 5)
                    fail("unreadable port in: " + line);
                port_ = std::stoi(digits);
                if (port_ <= 0 || port_ > 65535) fail("port out of range in: " + line);
                const std::string expected_tail = " (db " + db_ + ")";
                if (space == std::string::npos || rest.substr(space) != expected_tail)
                    fail("the listening line does not end with \"" + expected_tail + "\": " + line);
                banner_ = line;
                return;
            }
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) fail("no \"listening\" line within the startup timeout");
            pollfd p{stdout_.fd, POLLIN, 0};
            const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 100)));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) fail(errno_text("poll"));
            if (n == 0) {
                if (!running())
                    fail("ward-service exited before listening (" + detail::describe_status(status_) +
                         (WIFEXITED(status_) && WEXITSTATUS(status_) >= 126 ? ": could not start " + service_binary()
                                                                            : std::string()) +
                         ")");
                continue;
            }
            char buffer[1024];
            const ssize_t got = ::read(stdout_.fd, buffer, sizeof buffer);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) {
                std::optional<int> status = detail::wait_for(pid_, std::chrono::seconds(2));
                if (status) {
                    exited_ = true;
                    status_ = *status;
                }
                fail("ward-service closed its standard output before listening" +
                     (status ? " (" + detail::describe_status(*status) + ")" : std::string()));
            }
            seen.append(buffer, static_cast<std::size_t>(got));
        }
    }

    [[noreturn]] void fail(const std::string& why) {
        throw std::runtime_error("ward-service serve --db " + db_ + ": " + why + "\n--- stdout:\n" + consumed_ +
                                 "\n--- stderr:\n" + stderr_log());
    }

    std::string db_, log_, banner_, consumed_;
    pid_t pid_ = -1;
    int port_ = 0;
    bool exited_ = false, killed_ = false;
    int status_ = 0;
    detail::fd_guard stdout_;
    std::atomic<bool> stopping_{false};
    std::thread drain_;
};

// ---- HTTP ----------------------------------------------------------------------------------------

struct response {
    int status = 0;   ///< 0: transport error (see `error`)
    json json_body;   ///< the parsed body; discarded (is_discarded()) if it is not JSON
    std::string body; ///< the raw body
    httplib::Headers headers;
    std::string error; ///< transport error text, empty on success

    /// The first value of header `name` (case-insensitive), or "".
    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
    bool has_header(const std::string& name) const { return headers.find(name) != headers.end(); }
    /// True if the body is the README's error shape with this status:
    /// {"error": {"status": <status>, "code": "...", "message": "...", ...}}.
    bool is_error(int expected_status) const {
        if (status != expected_status || !json_body.is_object()) return false;
        auto e = json_body.find("error");
        if (e == json_body.end() || !e->is_object()) return false;
        auto s = e->find("status"), c = e->find("code"), m = e->find("message");
        return s != e->end() && s->is_number_integer() && s->get<int>() == expected_status && c != e->end() &&
               c->is_string() && !c->get<std::string>().empty() && m != e->end() && m->is_string();
    }
    /// A string member of the error object ("" when the body has none).
    std::string error_field(const char* name) const {
        if (json_body.is_object() && json_body.contains("error") && json_body["error"].is_object() &&
            json_body["error"].contains(name) && json_body["error"][name].is_string())
            return json_body["error"][name].get<std::string>();
        return {};
    }
    std::string error_code() const { return error_field("code"); }
    /// ward's explanation of the decision behind an error ("" when ward did not decide).
    std::string error_reason() const { return error_field("reason"); }
    std::string error_message() const { return error_field("message"); }
    /// One line for failure messages.
    std::string describe() const {
        if (status == 0) return "transport error: " + error;
        return std::to_string(status) + " " + (body.size() > 2000 ? body.substr(0, 2000) + "..." : body);
    }
};

/// httplib::Client on 127.0.0.1:port. Paths are sent exactly as given (no URL encoding by the
/// client), so tests control percent-encoding. One client per thread. By default every request
/// opens its own connection; `keep_alive` reuses one.
class client {
public:
    explicit client(int port, bool keep_alive = false) : http_("127.0.0.1", port), port_(port) {
        http_.set_url_encode(false);
        http_.set_keep_alive(keep_alive);
        http_.set_tcp_nodelay(true);
        http_.set_connection_timeout(5, 0);
        http_.set_read_timeout(20, 0);
        http_.set_write_timeout(20, 0);
    }
    int port() const noexcept { return port_; }

    response get(const std::string& path, const std::string& token = {}) { return send("GET", path, token); }
    response del(const std::string& path, const std::string& token = {}) { return send("DELETE", path, token); }
    response post(const std::string& path, const std::string& token = {}, const json& body = json::object()) {
        return send("POST", path, token, body.dump(), "application/json");
    }
    response put(const std::string& path, const std::string& token = {}, const json& body = json::object()) {
        return send("PUT", path, token, body.dump(), "application/json");
    }
    response patch(const std::string& path, const std::string& token = {}, const json& body = json::object()) {
        return send("PATCH", path, token, body.dump(), "application/json");
    }

    /// Any method, with a raw body; `token` non-empty adds "Authorization: Bearer <token>".
    response send(const std::string& method, const std::string& path, const std::string& token,
                  const std::string& body = {}, const std::string& content_type = {}) {
        httplib::Headers headers;
        if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
        return raw(method, path, headers, body, content_type);
    }

    /// Any method with exactly these headers (e.g. a hostile Authorization header).
    response raw(const std::string& method, const std::string& path, httplib::Headers headers,
                 const std::string& body = {}, const std::string& content_type = {}) {
        httplib::Request req;
        req.method = method;
        req.path = path;
        req.headers = std::move(headers);
        if (!content_type.empty()) req.headers.emplace("Content-Type", content_type);
        req.body = body;
        if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")
            req.headers.emplace("Content-Length", std::to_string(body.size()));
        httplib::Result result = http_.send(req);
        response r;
        if (!result) {
            r.error = httplib::to_string(result.error());
            return r;
        }
        r.status = result->status;
        r.body = result->body;
        r.headers = result->headers;
        r.json_body = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
        return r;
    }

private:
    httplib::Client http_;
    int port_;
};

/// POST /api/v1/authenticate; the token. Throws with the answer unless it is 201.
inline std::string login(client& http, const std::string& email, const std::string& password = seeded_password,
                         const std::string& audience = "ident", const std::string& scope = {}) {
    json body = {{"email", email}, {"password", password}, {"audience", audience}};
    if (!scope.empty()) body["scope"] = scope;
    response r = http.post("/api/v1/authenticate", {}, body);
    if (r.status != 201 || !r.json_body.is_object() || !r.json_body.contains("token") ||
        !r.json_body["token"].is_string())
        throw std::runtime_error("login " + email + " (" + audience + "): " + r.describe());
    return r.json_body["token"].get<std::string>();
}

// ---- tokens ----------------------------------------------------------------------------------------

/// `ward-service token --db DB --audience A --subject S [extra...]`, trimmed. Throws if it fails.
template <class... Extra>
std::string mint(const std::string& db, const std::string& audience, const std::string& subject,
                 const Extra&... extra) {
    std::vector<std::string> argv = {service_binary(), "token",  "--db",      db,
                                     "--audience",     audience, "--subject", subject};
    (argv.emplace_back(extra), ...);
    program_result r = run_program(argv);
    if (r.exit_code != 0) {
        std::string line;
        for (const std::string& a : argv) line += a + " ";
        throw std::runtime_error(line + "failed with exit code " + std::to_string(r.exit_code) + ": " + r.err + r.out);
    }
    return trim(r.out);
}

/// The payload of a JWT, without verifying it (null if it does not decode).
inline json token_claims(const std::string& token) {
    const auto first = token.find('.');
    const auto second = first == std::string::npos ? std::string::npos : token.find('.', first + 1);
    if (second == std::string::npos) return nullptr;
    std::optional<std::string> payload = ward_service::base64url_decode(token.substr(first + 1, second - first - 1));
    if (!payload) return nullptr;
    return json::parse(*payload, nullptr, false);
}

// ---- the database ----------------------------------------------------------------------------------

/// Read-only SQLite connection to a service database (the service may hold it open).
class database {
public:
    /// An SQLite file, or a PostgreSQL database (a postgresql:// URI).
    explicit database(const std::string& path) {
        if (path.rfind("postgresql://", 0) == 0) {
#if WARD_SERVICE_POSTGRESQL
            pg_ = std::make_unique<ward_service::pg::connection>(path);
            return;
#else
            throw std::runtime_error("built without PostgreSQL: " + path);
#endif
        }
        if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
            std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
            sqlite3_close(db_);
            throw std::runtime_error("sqlite3_open_v2 " + path + ": " + message);
        }
        sqlite3_busy_timeout(db_, 5000);
    }
    ~database() { sqlite3_close(db_); }
    database(const database&) = delete;
    database& operator=(const database&) = delete;

    /// Every row of `sql` (with `?` bound to `params` in order), each column as text ("NULL" for null).
    std::vector<std::vector<std::string>> query(const std::string& sql, const std::vector<std::string>& params = {}) {
#if WARD_SERVICE_POSTGRESQL
        if (pg_) return pg_query(sql, params);
#endif
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK)
            throw std::runtime_error("sqlite3_prepare_v2 " + sql + ": " + sqlite3_errmsg(db_));
        std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(stmt, sqlite3_finalize);
        for (std::size_t i = 0; i < params.size(); ++i)
            sqlite3_bind_text(stmt, static_cast<int>(i + 1), params[i].c_str(), -1, SQLITE_TRANSIENT);
        std::vector<std::vector<std::string>> rows;
        for (;;) {
            const int rc = sqlite3_step(stmt);
            if (rc == SQLITE_DONE) break;
            if (rc != SQLITE_ROW) throw std::runtime_error("sqlite3_step " + sql + ": " + sqlite3_errmsg(db_));
            std::vector<std::string> row;
            const int n = sqlite3_column_count(stmt);
            for (int c = 0; c < n; ++c) {
                if (sqlite3_column_type(stmt, c) == SQLITE_NULL) {
                    row.emplace_back("NULL");
                    continue;
                }
                const auto* text = reinterpret_cast<const char*>(sqlite3_column_blob(stmt, c));
                const int size = sqlite3_column_bytes(stmt, c);
                row.emplace_back(text ? std::string(text, static_cast<std::size_t>(size)) : std::string());
            }
            rows.push_back(std::move(row));
        }
        return rows;
    }

    /// Every row of every table, sorted: compare two dumps to prove nothing stored changed.
    std::map<std::string, std::vector<std::vector<std::string>>> dump() {
        std::map<std::string, std::vector<std::vector<std::string>>> all;
        const char* tables =
            db_ ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                : "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                  "ORDER BY table_name";
        for (const auto& t : query(tables)) {
            std::string quoted = "\"";
            for (char ch : t[0]) quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
            quoted += "\"";
            auto rows = query("SELECT * FROM " + quoted);
            std::sort(rows.begin(), rows.end());
            all[t[0]] = std::move(rows);
        }
        return all;
    }

private:
#if WARD_SERVICE_POSTGRESQL
    std::vector<std::vector<std::string>> pg_query(const std::string& sql, const std::vector<std::string>& params) {
        std::string numbered; // ? becomes $1, $2, ... (the tests' SQL has no ? in quoted text)
        int n = 0;
        for (char ch : sql) numbered += ch == '?' ? "$" + std::to_string(++n) : std::string(1, ch);
        std::vector<ward_service::pg::param> values(params.begin(), params.end());
        const ward_service::pg::result r = pg_->exec_params(numbered, values);
        std::vector<std::vector<std::string>> rows;
        for (int i = 0; i < r.rows(); ++i) {
            std::vector<std::string> row;
            for (int c = 0; c < r.columns(); ++c)
                row.emplace_back(r.is_null(i, c) ? std::string("NULL") : std::string(r.text(i, c)));
            rows.push_back(std::move(row));
        }
        return rows;
    }
    std::unique_ptr<ward_service::pg::connection> pg_;
#endif
    sqlite3* db_ = nullptr;
};

/// The 32-byte token secret of a service database (settings.token_secret, base64url).
inline std::string token_secret(const std::string& db_path) {
    database db(db_path);
    auto rows = db.query("SELECT value FROM settings WHERE key = 'token_secret'");
    if (rows.size() != 1) throw std::runtime_error("no token_secret in " + db_path);
    std::optional<std::string> secret = ward_service::base64url_decode(rows[0][0]);
    if (!secret) throw std::runtime_error("token_secret of " + db_path + " is not base64url");
    return *secret;
}

/// Claims as the service signs them: iss, aud, sub, iat = now, exp = now + ttl.
inline json base_claims(const std::string& audience, const std::string& subject, std::int64_t ttl = 3600) {
    const std::int64_t now = ward_service::unix_now();
    return json{{"iss", "ward-service"}, {"aud", audience}, {"sub", subject}, {"iat", now}, {"exp", now + ttl}};
}

/// `claims` signed with the database's secret (forge anything: wrong iss/aud, expired, ...).
inline std::string forge(const std::string& db_path, const json& claims) {
    return ward_service::jwt_sign(claims, token_secret(db_path));
}

/// A token with an arbitrary header (e.g. {"alg":"none"}), payload and raw signature part.
inline std::string forge_raw(const json& header, const json& claims, const std::string& signature_part) {
    return ward_service::base64url_encode(header.dump()) + "." + ward_service::base64url_encode(claims.dump()) + "." +
           signature_part;
}

/// A fresh temporary directory holding a fresh seeded database, and the service running on it.
/// Where a test's service keeps its data: a new SQLite file in `dir`, or, when the tests run with
/// WARD_SERVICE_TEST_DATABASE=postgresql, a new database on the PostgreSQL server the scaleout
/// fixture started (WARD_PG_DIR/uri, or WARD_PG_URI), dropped when the test ends.
class test_database {
public:
    explicit test_database(const temp_dir& dir) {
        const char* kind = std::getenv("WARD_SERVICE_TEST_DATABASE");
        if (!kind || std::string(kind) != "postgresql") {
            location_ = dir.file("ward.db");
            return;
        }
#if WARD_SERVICE_POSTGRESQL
        server_ = server_uri();
        static std::atomic<int> n{0};
        name_ = "ward_test_" + std::to_string(::getpid()) + "_" + std::to_string(++n);
        ward_service::pg::connection(server_).script("CREATE DATABASE " + name_);
        location_ = server_.substr(0, server_.rfind('/') + 1) + name_;
#else
        throw std::runtime_error("WARD_SERVICE_TEST_DATABASE=postgresql, but the tests were built without libpq");
#endif
    }
    ~test_database() {
#if WARD_SERVICE_POSTGRESQL
        if (name_.empty()) return;
        try {
            ward_service::pg::connection(server_).script("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
        } catch (...) { // the server is gone, and the database with it
        }
#endif
    }
    test_database(const test_database&) = delete;
    test_database& operator=(const test_database&) = delete;

    const std::string& location() const noexcept { return location_; }

#if WARD_SERVICE_POSTGRESQL
    /// The test server's URI: WARD_PG_URI, or the one the scaleout fixture wrote to WARD_PG_DIR/uri.
    static std::string server_uri() {
        if (const char* uri = std::getenv("WARD_PG_URI"); uri && *uri) return uri;
        const char* dir = std::getenv("WARD_PG_DIR");
        std::string uri;
        if (dir) std::getline(std::ifstream(std::string(dir) + "/uri"), uri);
        if (uri.empty()) throw std::runtime_error("no PostgreSQL server for the tests (WARD_PG_DIR or WARD_PG_URI)");
        return uri;
    }
#endif

private:
    std::string location_, server_, name_;
};

struct fixture {
    temp_dir dir;
    test_database data{dir};
    std::string db = data.location();
    service_process server{db};
    client http{server.port()};
};

} // namespace ward_service_test

#endif
