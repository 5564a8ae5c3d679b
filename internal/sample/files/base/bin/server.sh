#!/bin/sh
# ---------------------------------------------------------------------------
# Start script of @TITLE@ @VERSION@.
#
# Environment
#
#   PRODUCT_HOME  Where the product is installed. Found from the location of
#                 this script when not set.
#   JAVA_HOME     A Java 11 or 17 runtime.
#   JAVA_OPTS     (Optional) more options for the Java virtual machine.
#
# Commands: server.sh [start|stop|restart|run|version] [-DsystemProperty=value ...]
# ---------------------------------------------------------------------------

# Resolve links: $0 may be a symbolic link.
PRG="$0"
while [ -h "$PRG" ]; do
  ls=$(ls -ld "$PRG")
  link=$(expr "$ls" : '.*-> \(.*\)$')
  if expr "$link" : '/.*' > /dev/null; then
    PRG="$link"
  else
    PRG=$(dirname "$PRG")/"$link"
  fi
done
PRGDIR=$(dirname "$PRG")

[ -z "$PRODUCT_HOME" ] && PRODUCT_HOME=$(cd "$PRGDIR/.." && pwd)
CARBON_HOME="$PRODUCT_HOME"

# The pid file of a running server. Other tools read it to tell whether the
# server is running: keep its name.
PID_FILE="$PRODUCT_HOME/wso2carbon.pid"

if [ -z "$JAVA_HOME" ]; then
  echo "JAVA_HOME is not set: point it at a Java 11 or 17 runtime" >&2
  exit 1
fi
JAVACMD="$JAVA_HOME/bin/java"
if [ ! -x "$JAVACMD" ]; then
  echo "JAVA_HOME does not hold a Java runtime: $JAVA_HOME" >&2
  exit 1
fi

CLASSPATH=""
for jar in "$PRODUCT_HOME"/lib/*.jar; do
  CLASSPATH="$CLASSPATH:$jar"
done

JVM_MEM_OPTS="-Xms256m -Xmx1024m"
JVM_OPTS="-XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=$PRODUCT_HOME/repository/logs/heap-dump.hprof"
JVM_OPTS="$JVM_OPTS -Djava.io.tmpdir=$PRODUCT_HOME/tmp -Dfile.encoding=UTF8"
JVM_OPTS="$JVM_OPTS -Dcarbon.home=$PRODUCT_HOME -Dcarbon.registry.root=/"
JVM_OPTS="$JVM_OPTS -Djava.util.logging.config.file=$PRODUCT_HOME/repository/conf/etc/logging-bridge.properties"

case "$1" in
  version)
    cat "$PRODUCT_HOME/bin/version.txt"
    exit 0
    ;;
  stop)
    if [ -f "$PID_FILE" ]; then
      kill -TERM "$(cat "$PID_FILE")" && rm -f "$PID_FILE"
    fi
    exit 0
    ;;
  restart)
    "$0" stop
    shift
    exec "$0" start "$@"
    ;;
  start)
    shift
    nohup "$0" run "$@" > "$PRODUCT_HOME/repository/logs/console.log" 2>&1 &
    exit 0
    ;;
  run)
    shift
    ;;
esac

mkdir -p "$PRODUCT_HOME/tmp" "$PRODUCT_HOME/repository/logs"
echo $$ > "$PID_FILE"
echo "Starting @TITLE@ @VERSION@ in $PRODUCT_HOME"
exec "$JAVACMD" $JVM_MEM_OPTS $JVM_OPTS $JAVA_OPTS "$@" \
  -classpath "$CLASSPATH" \
  org.acme.gateway.bootstrap.Bootstrap
