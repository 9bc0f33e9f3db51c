#include "logic/content_store.hpp"

#include "logic/request_path.hpp"

#include <sys/stat.h>

#include <variant>

namespace cms_mock {
namespace {

class dir_store final : public content_store {
public:
    explicit dir_store(std::filesystem::path root) : root_(std::move(root)) {}

    std::optional<stored_file> find(std::string_view relative_path) const override {
        auto resolved = resolve_under_root(root_, relative_path);
        const auto* path = std::get_if<std::filesystem::path>(&resolved);
        if (!path) return std::nullopt;
        auto body = file_body(path->string());
        if (!body) return std::nullopt;
        struct stat st {};
        if (::stat(path->c_str(), &st) != 0) return std::nullopt;
        auto modified = std::chrono::system_clock::time_point(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(
                std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
        return stored_file{std::move(body), modified};
    }

    std::string describe() const override { return "directory " + root_.string(); }

private:
    std::filesystem::path root_;
};

class mem_store final : public content_store {
public:
    mem_store(std::map<std::string, std::string, std::less<>> files,
              std::chrono::system_clock::time_point modified, std::string description)
        : modified_(modified), description_(std::move(description)) {
        for (auto& [name, content] : files) files_.emplace(name, string_body(std::move(content)));
    }

    std::optional<stored_file> find(std::string_view relative_path) const override {
        auto it = files_.find(relative_path);
        if (it == files_.end()) return std::nullopt;
        return stored_file{it->second, modified_};
    }

    std::string describe() const override { return description_; }

private:
    std::map<std::string, std::shared_ptr<const body_source>, std::less<>> files_;
    std::chrono::system_clock::time_point modified_;
    std::string description_;
};

}  // namespace

std::unique_ptr<content_store> directory_store(std::filesystem::path root) {
    return std::make_unique<dir_store>(std::move(root));
}

std::unique_ptr<content_store> memory_store(std::map<std::string, std::string, std::less<>> files,
                                            std::chrono::system_clock::time_point modified,
                                            std::string description) {
    return std::make_unique<mem_store>(std::move(files), modified, std::move(description));
}

std::optional<std::string> read_all(const body_source& body, std::uint64_t limit) {
    auto size = body.size();
    if (size > limit) return std::nullopt;
    std::string out(static_cast<std::size_t>(size), '\0');
    std::size_t done = 0;
    while (done < out.size()) {
        auto n = body.read(done, std::span<char>(out.data() + done, out.size() - done));
        if (n == 0) return std::nullopt;
        done += n;
    }
    return out;
}

std::map<std::string, std::string, std::less<>> demo_tree_files() {
    std::map<std::string, std::string, std::less<>> files;
    files["aastra.cfg"] =
        "# cms-mock built-in demo: global settings for every Aastra phone\n"
        "download protocol: HTTP\n"
        "http digest username: {{device.username}}\n"
        "http digest password: {{device.password}}\n"
        "https validate certificates: 1\n"
        "https validate hostname: 1\n"
        "https validate expires: 1\n"
        "auto resync mode: 0\n"
        "time server disabled: 0\n"
        "time server1: pool.ntp.org\n"
        "contact rcs: 0\n";
    for (const char* model : {"6731i", "6739i", "9480i"}) {
        files[std::string(model) + ".cfg"] =
            "# cms-mock built-in demo: settings for the " + std::string(model) + "\n"
            "firmware version: 3.2.2.3077\n"
            "softkey1 type: xml\n"
            "softkey1 label: \"Directory\"\n"
            "softkey1 value: http://{{server.host}}/xml/directory.xml\n";
    }
    files["mac.cfg.template"] =
        "# cms-mock built-in demo: per-device profile for {{mac}} ({{model}})\n"
        "http digest force login: 0\n"
        "sip line1 auth name: {{line1.auth_name}}\n"
        "sip line1 password: {{line1.password}}\n"
        "sip line1 user name: {{line1.user_name}}\n"
        "sip line1 display name: \"{{line1.display_name}}\"\n"
        "sip line1 proxy ip: {{server.host}}\n"
        "sip line1 registrar ip: {{server.host}}\n";
    files["default-profile.cfg"] =
        "# cms-mock: default profile for a device that has not logged in yet\n"
        "http digest force login: 1\n";
    files["xml/directory.xml"] =
        "<AastraIPPhoneTextMenu destroyOnExit=\"yes\">\n"
        "  <Title>Directory</Title>\n"
        "  <MenuItem><Prompt>Alice</Prompt><URI>Dial:1001</URI></MenuItem>\n"
        "  <MenuItem><Prompt>Bob</Prompt><URI>Dial:1002</URI></MenuItem>\n"
        "</AastraIPPhoneTextMenu>\n";
    return files;
}

}  // namespace cms_mock
