// SPDX-License-Identifier: MIT
// ward-service: serve the seed APIs, mint a token, or play the tour. See README.md here.
#include "app.hpp"
#include "jwks.hpp"
#include "store.hpp"
#include "tokens.hpp"
#include "tour.hpp"

#include <httplib.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <pthread.h>

namespace {

constexpr const char* usage = R"(usage:
  ward-service serve [--db FILE | --database postgresql://...] [--host 127.0.0.1] [--port 8080] [--threads 8]
                     [--pbkdf2-iterations 600000] [--token-ttl 3600] [--explain] [--verify-writes] [--kept-changes 100000]
                     [--jwks FILE_OR_URL --jwt-issuer ISS --jwt-audience AUD [--jwks-reload-interval 30]
                      [--jwks-max-age 3600] [--jwks-allow-insecure-http]]
  ward-service token --db FILE --audience ident|provisioning|bluebricks --subject SUB
                     [--permissions N] [--scope "a b"] [--application CRED_ID] [--ttl SECONDS]
                     [--not-before SECONDS]
  ward-service tour  --url http://127.0.0.1:PORT --db FILE [--quiet-next-steps]
)";

int usage_error(const std::string& message) {
    std::cerr << "ward-service: " << message << "\n" << usage;
    return 2;
}

/// `--name value` pairs (and bare `--flags`, whose value is ""), each name at most once.
bool parse_flags(int argc, char** argv, int first, const std::vector<std::string>& valued,
                 const std::vector<std::string>& bare, std::map<std::string, std::string>& out, std::string& error) {
    for (int i = first; i < argc; ++i) {
        const std::string name = argv[i];
        const bool takes_value = std::find(valued.begin(), valued.end(), name) != valued.end();
        const bool is_bare = std::find(bare.begin(), bare.end(), name) != bare.end();
        if (!takes_value && !is_bare) return error = "unknown option " + name, false;
        if (out.count(name)) return error = name + " given twice", false;
        if (is_bare) {
            out[name] = "";
            continue;
        }
        if (i + 1 >= argc) return error = name + " needs a value", false;
        out[name] = argv[++i];
    }
    return true;
}

/// A decimal integer in [lo, hi], the whole string.
bool parse_int(const std::string& text, long long lo, long long hi, long long& out) {
    if (text.empty() || text.size() > 20) return false;
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    if (errno != 0 || end != text.c_str() + text.size() || v < lo || v > hi) return false;
    out = v;
    return true;
}

int serve(int argc, char** argv) {
    std::map<std::string, std::string> f;
    std::string error;
    if (!parse_flags(argc, argv, 2,
                     {"--db", "--database", "--host", "--port", "--threads", "--pbkdf2-iterations", "--token-ttl",
                      "--kept-changes", "--jwks", "--jwt-issuer", "--jwt-audience", "--jwks-reload-interval",
                      "--jwks-max-age"},
                     {"--explain", "--verify-writes", "--jwks-allow-insecure-http"}, f, error))
        return usage_error(error);
    if (f.count("--db") && f.count("--database"))
        return usage_error("--db and --database name the same thing: give one");
    const std::string db_path = f.count("--database") ? f["--database"]
                                : f.count("--db")     ? f["--db"]
                                                      : "ward-service.db";
    const std::string host = f.count("--host") ? f["--host"] : "127.0.0.1";
    long long port = 8080, threads = 8, iterations = 600000, ttl = 3600, kept_changes = 100000;
    // Identity-provider tokens (below): how often an unknown kid may reload the key set, and the
    // key set's greatest age.
    long long reload_interval = 30, max_age = 3600;
    struct int_option {
        const char* name;
        long long min, max;
        long long& value;
    };
    for (const int_option& o :
         {int_option{"--port", 0, 65535, port}, int_option{"--threads", 1, 256, threads},
          int_option{"--pbkdf2-iterations", 1000, 10000000, iterations},
          int_option{"--token-ttl", 1, 366LL * 86400, ttl}, int_option{"--kept-changes", 1, 1000000000, kept_changes},
          int_option{"--jwks-reload-interval", 0, 86400, reload_interval},
          int_option{"--jwks-max-age", 0, 366LL * 86400, max_age}})
        if (f.count(o.name) && !parse_int(f[o.name], o.min, o.max, o.value))
            return usage_error(std::string(o.name) + " must be " + std::to_string(o.min) + ".." +
                               std::to_string(o.max));
    // Identity-provider tokens: all of the key set, the issuer and the audience, or none of them.
    const bool external = f.count("--jwks") > 0;
    if (external != (f.count("--jwt-issuer") > 0) || external != (f.count("--jwt-audience") > 0))
        return usage_error("--jwks, --jwt-issuer and --jwt-audience go together");
    for (const char* companion : {"--jwks-reload-interval", "--jwks-max-age", "--jwks-allow-insecure-http"})
        if (f.count(companion) && !external) return usage_error(std::string(companion) + " needs --jwks");
    if (external && (f["--jwks"].empty() || f["--jwt-issuer"].empty() || f["--jwt-audience"].empty()))
        return usage_error("--jwks, --jwt-issuer and --jwt-audience must not be empty");
    const bool insecure_http = f.count("--jwks-allow-insecure-http") > 0;
    if (external && !ward_service::jwks_source_allowed(f["--jwks"], insecure_http, error))
        return usage_error("--jwks " + f["--jwks"] + ": " + error + " (or --jwks-allow-insecure-http)");
    unsigned char addr[16];
    if (inet_pton(AF_INET, host.c_str(), addr) != 1 && inet_pton(AF_INET6, host.c_str(), addr) != 1)
        return usage_error("--host must be a literal IP address, such as 127.0.0.1");

    // Block the signals in every thread (those started later, the JWKS refresher included, inherit
    // the mask); one thread waits for them: SIGINT and SIGTERM stop the server, SIGHUP asks the
    // JWKS refresher for a reload and does not wait for it, so a slow identity provider never
    // holds up a stop.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    try {
        ward_service::app_options options;
        options.pbkdf2_iterations = static_cast<unsigned>(iterations);
        options.token_ttl = static_cast<std::int64_t>(ttl);
        options.explain = f.count("--explain") > 0;
        options.verify_writes = f.count("--verify-writes") > 0;
        options.kept_changes = static_cast<std::int64_t>(kept_changes);
        if (external) {
            ward_service::external_token_options o;
            o.jwks = f["--jwks"];
            o.issuer = f["--jwt-issuer"];
            o.audience = f["--jwt-audience"];
            o.reload_interval = static_cast<std::int64_t>(reload_interval);
            o.max_age = static_cast<std::int64_t>(max_age);
            o.allow_insecure_http = insecure_http;
            o.log = [](const std::string& line) { std::cerr << "ward-service: " << line << std::endl; };
            options.external = std::make_shared<ward_service::external_tokens>(std::move(o));
            // The first document must load: a service that could verify no identity-provider token
            // would refuse them all without saying why.
            if (!options.external->reload(error)) {
                std::cerr << "ward-service: --jwks " << f["--jwks"] << ": " << error << "\n";
                return 1;
            }
            std::cerr << "ward-service: identity-provider tokens for the bluebricks API: iss " << f["--jwt-issuer"]
                      << ", aud " << f["--jwt-audience"] << ", keys " << options.external->keys()->describe()
                      << " from " << f["--jwks"] << std::endl;
        }
        ward_service::store db(db_path, static_cast<unsigned>(iterations));
        ward_service::app service(db, options);
        httplib::Server server;
        const auto pool = static_cast<std::size_t>(threads);
        server.new_task_queue = [pool] { return new httplib::ThreadPool(pool); };
        // Answers go out as soon as they are written: without TCP_NODELAY a kept-alive connection
        // waits for the peer's delayed ACK (about 40 ms) on every request.
        server.set_tcp_nodelay(true);
        server.set_keep_alive_max_count(1000);
        server.set_read_timeout(10, 0);
        server.set_write_timeout(10, 0);
        service.mount(server);

        int bound = static_cast<int>(port);
        if (port == 0) bound = server.bind_to_any_port(host);
        else if (!server.bind_to_port(host, bound)) bound = -1;
        if (bound <= 0) {
            std::cerr << "ward-service: cannot listen on " << host << ":" << port << "\n";
            return 1;
        }
        const std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
        std::cout << "ward-service listening on http://" << shown_host << ":" << bound << " (db " << db_path << ")"
                  << std::endl;

        const std::shared_ptr<ward_service::external_tokens> keys = options.external;
        std::thread stopper([&server, signals, keys] {
            for (;;) {
                int sig = 0;
                if (sigwait(&signals, &sig) != 0) continue;
                if (sig != SIGHUP) break;
                if (keys) keys->request_reload(); // the refresher logs how it went
            }
            server.stop();
        });
        const bool ok = server.listen_after_bind();
        if (!ok) {
            // listen ended without a signal: wake the stopper so it can be joined.
            pthread_kill(stopper.native_handle(), SIGTERM);
        }
        stopper.join();
        std::cout << "ward-service stopped" << std::endl;
        return ok ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "ward-service: " << e.what() << "\n";
        return 1;
    }
}

int token(int argc, char** argv) {
    std::map<std::string, std::string> f;
    std::string error;
    if (!parse_flags(
            argc, argv, 2,
            {"--db", "--audience", "--subject", "--permissions", "--scope", "--application", "--ttl", "--not-before"},
            {}, f, error))
        return usage_error(error);
    if (!f.count("--db") || !f.count("--audience") || !f.count("--subject"))
        return usage_error("token needs --db, --audience and --subject");
    ward_service::mint_options m;
    m.audience = f["--audience"];
    m.subject = f["--subject"];
    long long v = 0;
    if (f.count("--permissions")) {
        if (!parse_int(f["--permissions"], 0, 0xFFFFFFFFLL, v)) return usage_error("--permissions must be a uint32");
        m.permissions = static_cast<std::uint64_t>(v);
    }
    if (f.count("--scope")) m.scope = f["--scope"];
    if (f.count("--application")) {
        if (m.audience != "provisioning") return usage_error("--application is only for --audience provisioning");
        m.application = f["--application"];
    }
    if (f.count("--ttl")) {
        if (!parse_int(f["--ttl"], -86400, 366LL * 86400, v)) return usage_error("--ttl must be -86400..31622400");
        m.ttl = v;
    }
    if (f.count("--not-before")) {
        if (!parse_int(f["--not-before"], 0, 366LL * 86400, v)) return usage_error("--not-before must be 0..31622400");
        m.not_before = v;
    }
    const auto t = ward_service::mint_token(f["--db"], m, error);
    if (!t) {
        std::cerr << "ward-service: " << error << "\n";
        return 1;
    }
    std::cout << *t << "\n";
    return 0;
}

int tour(int argc, char** argv) {
    std::map<std::string, std::string> f;
    std::string error;
    if (!parse_flags(argc, argv, 2, {"--url", "--db"}, {"--quiet-next-steps"}, f, error)) return usage_error(error);
    if (!f.count("--url") || !f.count("--db")) return usage_error("tour needs --url and --db");
    return ward_service::run_tour(f["--url"], f["--db"], std::cout, !f.count("--quiet-next-steps"));
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage_error("a subcommand is needed");
    const std::string command = argv[1];
    if (command == "serve") return serve(argc, argv);
    if (command == "token") return token(argc, argv);
    if (command == "tour") return tour(argc, argv);
    if (command == "--help" || command == "-h" || command == "help") {
        std::cout << usage;
        return 0;
    }
    return usage_error("unknown subcommand " + command);
}
