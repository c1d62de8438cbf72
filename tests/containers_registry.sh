#!/bin/sh
set -eu
exec registry serve /etc/docker/registry/config.yml
