@echo off
rem ---------------------------------------------------------------------------
rem Start script of @TITLE@ @VERSION@.
rem
rem Environment
rem
rem   PRODUCT_HOME  Where the product is installed. Found from the location of
rem                 this script when not set.
rem   JAVA_HOME     A Java 11 or 17 runtime.
rem   JAVA_OPTS     (Optional) more options for the Java virtual machine.
rem ---------------------------------------------------------------------------

setlocal enabledelayedexpansion

if "%JAVA_HOME%" == "" goto noJavaHome
if not exist "%JAVA_HOME%\bin\java.exe" goto noJavaHome

if "%PRODUCT_HOME%" == "" set PRODUCT_HOME=%~sdp0..
if not exist "%PRODUCT_HOME%\bin\version.txt" goto noProductHome
set CARBON_HOME=%PRODUCT_HOME%

if "%1" == "version" goto version

set CLASSPATH=
for %%j in ("%PRODUCT_HOME%\lib\*.jar") do set CLASSPATH=!CLASSPATH!;%%j

set JVM_MEM_OPTS=-Xms256m -Xmx1024m
set JVM_OPTS=-XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath="%PRODUCT_HOME%\repository\logs\heap-dump.hprof"
set JVM_OPTS=%JVM_OPTS% -Djava.io.tmpdir="%PRODUCT_HOME%\tmp" -Dfile.encoding=UTF8
set JVM_OPTS=%JVM_OPTS% -Dcarbon.home="%PRODUCT_HOME%" -Dcarbon.registry.root=/

if not exist "%PRODUCT_HOME%\tmp" mkdir "%PRODUCT_HOME%\tmp"
if not exist "%PRODUCT_HOME%\repository\logs" mkdir "%PRODUCT_HOME%\repository\logs"

echo Starting @TITLE@ @VERSION@ in %PRODUCT_HOME%
"%JAVA_HOME%\bin\java" %JVM_MEM_OPTS% %JVM_OPTS% %JAVA_OPTS% -classpath "%CLASSPATH%" org.acme.gateway.bootstrap.Bootstrap %*
goto end

:version
type "%PRODUCT_HOME%\bin\version.txt"
goto end

:noJavaHome
echo JAVA_HOME is not set: point it at a Java 11 or 17 runtime
goto end

:noProductHome
echo PRODUCT_HOME is set incorrectly or the product could not be found
goto end

:end
endlocal
