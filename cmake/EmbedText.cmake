# Writes the file IN as a C array of its bytes, NUL-terminated, named NAME, to OUT: a page the
# command serves stays an ordinary file in the source tree (cli/dashboard.html).
# Usage: cmake -DIN=... -DOUT=... -DNAME=... -P EmbedText.cmake
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}" "/* generated from ${IN} by cmake/EmbedText.cmake */\nconst char ${NAME}[] = {\n${bytes}0x00};\n")
