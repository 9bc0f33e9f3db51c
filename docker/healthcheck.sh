#!/bin/bash
# HEALTHCHECK of both images, in bash alone (/dev/tcp), so the images need no curl: healthy when
# GET $APL_HEALTH_PATH on 127.0.0.1:$APL_HEALTH_PORT answers one of the statuses in
# $APL_HEALTH_STATUS (default 200; the phone's Web UI answers 401 without a login, which still
# proves it serves HTTP); with APL_HEALTH_PATH set to an empty string, when the port accepts a TCP
# connection.
port=${APL_HEALTH_PORT:-9090}
path=${APL_HEALTH_PATH-/_admin/health}
accepted=" ${APL_HEALTH_STATUS:-200} "
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
[[ -z $path ]] && exit 0
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
IFS=' ' read -r -t 2 _ status _ <&3 || exit 1
[[ -n $status && $accepted == *" $status "* ]]
