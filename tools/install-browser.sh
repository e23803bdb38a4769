#!/bin/sh
# Best effort: the browser tests drive Debian's Chromium through Playwright; without it they skip.
# Playwright's own browser download is never used.
command -v chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing chromium (Debian package) for the browser tests..."
    apt_install() {
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=300 \
            --no-install-recommends chromium fonts-dejavu-core >/dev/null 2>&1
    }
    if apt_install || { apt-get update -q >/dev/null 2>&1 && apt_install; }; then
        exit 0
    fi
fi
echo "warning: chromium is not installed; the browser tests will skip." \
     "Install it with: sudo apt-get install chromium" >&2
exit 0
