#pragma once

// Debian's nginx on loopback in front of `cerulean serve` processes, configured with the files
// docs/DEPLOY.md shows: deploy/nginx/cerulean-proxy.conf included as it is, and the upstream
// block of deploy/nginx/cerulean.conf with its `server` lines replaced by the test's servers.
// Only the parts a test cannot take from them are the test's own: loopback listeners instead of
// TLS, and the paths of the pid file, logs and temp folders inside a temp dir.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "support/child_process.hpp"
#include "support/files.hpp"
#include "support/net.hpp"

namespace cerulean::testing {

/// The deploy/nginx folder of the source tree.
inline std::filesystem::path NginxDeployDir() {
    return std::filesystem::path(CERULEAN_SOURCE_DIR) / "deploy" / "nginx";
}

/// The `upstream cerulean { … }` block of deploy/nginx/cerulean.conf renamed `name`, its
/// `server` lines replaced by one per port of `ports` on 127.0.0.1 (everything else, such as
/// the keep-alive settings, as the file has it). Throws std::runtime_error when the file has no
/// such block or the block no server line: the documented file changed shape.
inline std::string DocumentedUpstream(const std::string& name, const std::vector<int>& ports) {
    const std::string site = ReadFile(NginxDeployDir() / "cerulean.conf");
    const auto begin = site.find("upstream cerulean {");
    const auto end = begin == std::string::npos ? begin : site.find("\n}", begin);
    if (end == std::string::npos) {
        throw std::runtime_error("deploy/nginx/cerulean.conf has no `upstream cerulean { … }`");
    }
    const std::string block = site.substr(begin, end + 2 - begin);
    std::string out = "upstream " + name + " {\n";
    bool replaced = false;
    std::size_t at = block.find('\n') + 1;
    while (at < block.size()) {
        auto next = block.find('\n', at);
        if (next == std::string::npos) next = block.size();
        const std::string line = block.substr(at, next - at);
        at = next + 1;
        const auto text = line.find_first_not_of(' ');
        if (text != std::string::npos && line.compare(text, 7, "server ") == 0) {
            if (!replaced) {
                for (const int port : ports) {
                    out += "    server 127.0.0.1:" + std::to_string(port) + ";\n";
                }
            }
            replaced = true;
            continue;
        }
        out += line + "\n";
    }
    if (!replaced) throw std::runtime_error("deploy/nginx/cerulean.conf: no `server` line");
    return out;
}

/// nginx in front of `cerulean serve` processes at `server_ports`: port() balances over all of
/// them as deploy/nginx/cerulean.conf does, pinned_port(i) reaches server i alone (through the
/// same proxy settings), so that a test can say which server a request goes to. Started by
/// the constructor (which fails the test when nginx does not listen), stopped by the
/// destructor. The access log has one line per request: client, request, status, the
/// upstream(s) tried and their statuses.
class NginxProcess {
 public:
    NginxProcess(const std::filesystem::path& dir, const std::vector<int>& server_ports)
        : dir_(dir) {
        std::filesystem::create_directories(dir_ / "temp");
        port_ = FreeLoopbackPort();
        std::string upstreams = DocumentedUpstream("cerulean", server_ports);
        std::string servers = Listener(port_, "cerulean");
        for (std::size_t i = 0; i < server_ports.size(); ++i) {
            const std::string name = "cerulean_" + std::to_string(i);
            upstreams += DocumentedUpstream(name, {server_ports[i]});
            pinned_.push_back(FreeLoopbackPort());
            servers += Listener(pinned_.back(), name);
        }
        const std::string temp = (dir_ / "temp").string();
        std::ofstream(dir_ / "nginx.conf")
            << "worker_processes 1;\n"
               "events { worker_connections 1024; }\n"
               "http {\n"
               "    log_format cerulean '$remote_addr \"$request\" $status "
               "upstream=$upstream_addr upstream_status=$upstream_status';\n"
               "    access_log "
            << (dir_ / "access.log").string()
            << " cerulean;\n"
               "    client_body_temp_path "
            << temp << "/body;\n    proxy_temp_path " << temp << "/proxy;\n    fastcgi_temp_path "
            << temp << "/fastcgi;\n    uwsgi_temp_path " << temp << "/uwsgi;\n    scgi_temp_path "
            << temp << "/scgi;\n"
            << upstreams << servers << "}\n";
        const std::string globals = "daemon off; pid " + (dir_ / "nginx.pid").string() +
                                    "; error_log " + (dir_ / "error.log").string() + " notice;";
        process_ = std::make_unique<ChildProcess>(
            std::vector<std::string>{"nginx", "-p", dir_.string(), "-c",
                                     (dir_ / "nginx.conf").string(), "-e",
                                     (dir_ / "error.log").string(), "-g", globals},
            dir_ / "nginx.out");
        std::vector<int> ports = pinned_;
        ports.push_back(port_);
        for (const int port : ports) {
            bool listening = false;
            for (int i = 0; i < 100 && !listening && process_->Running(); ++i) {
                listening = WaitForTcp(port, std::chrono::milliseconds(100));
            }
            if (!listening) {
                ADD_FAILURE() << "nginx did not listen on " << port << ":\n"
                              << ErrorLog() << process_->LogTail();
                return;
            }
        }
    }

    /// The port that balances over every server.
    [[nodiscard]] int port() const { return port_; }
    /// The port that reaches server `i` (by its place in the constructor's list) only.
    [[nodiscard]] int pinned_port(std::size_t i) const { return pinned_.at(i); }
    /// nginx's error log.
    [[nodiscard]] std::string ErrorLog() const { return FileTail(dir_ / "error.log", 1 << 20); }
    /// nginx's access log (see the class comment).
    [[nodiscard]] std::string AccessLog() const { return FileTail(dir_ / "access.log", 64 << 20); }
    /// The nginx master process.
    ChildProcess& process() { return *process_; }

 private:
    static std::string Listener(int port, const std::string& upstream) {
        return "    server {\n        listen 127.0.0.1:" + std::to_string(port) +
               ";\n        location / {\n            proxy_pass http://" + upstream +
               ";\n            include " + (NginxDeployDir() / "cerulean-proxy.conf").string() +
               ";\n        }\n    }\n";
    }

    std::filesystem::path dir_;
    int port_ = 0;
    std::vector<int> pinned_;
    std::unique_ptr<ChildProcess> process_;
};

}  // namespace cerulean::testing
