// The template for a new demo (example.cpp): compiled with every build, run by a test.
#pragma once

namespace harness {
int example_main(int argc, char** argv);
}
