// SYNTAX TEST "source.c" "CopyScope directive comments are highlighted inside C comments only"

/* copyscope-disable copy/overlapping-memcpy */
// ^^^^^^^^^^^^^^^^^ comment.block.c keyword.control.directive.copyscope
//                   ^^^^ comment.block.c entity.name.namespace.rule-family.copyscope
//                       ^ punctuation.separator.rule.copyscope
//                        ^^^^^^^^^^^^^^^^^^ entity.name.tag.rule-name.copyscope

#include <string.h>

void shift(char *buf, int n)
{
    // copyscope-disable-next-line copy/overlapping-memcpy, zerocopy/read-write-loop
//     ^^^^^^^^^^^^^^^^^^^^^^^^^^^ comment.line.double-slash.c keyword.control.directive.copyscope
//                                 ^^^^^^^^^^^^^^^^^^^^^^^ entity.name.tag.rule.copyscope
//                                                        ^ punctuation.separator.comma.copyscope
//                                                          ^^^^^^^^ entity.name.namespace.rule-family.copyscope
//                                                                   ^^^^^^^^^^^^^^^ entity.name.tag.rule-name.copyscope
    memcpy(buf, buf + 1, n - 1);
//  ^^^^^^ - keyword.control.directive.copyscope
    memcpy(buf, buf + 1, n - 1); // copyscope-disable-line copy/overlapping-memcpy -- checked by hand
//                                  ^^^^^^^^^^^^^^^^^^^^^^ keyword.control.directive.copyscope
//                                                         ^^^^^^^^^^^^^^^^^^^^^^^ entity.name.tag.rule.copyscope
//                                                                                 ^^ punctuation.separator.reason.copyscope
//                                                                                    ^^^^^^^^^^^^^^ comment.reason.copyscope
}

/* copyscope-enable */
// ^^^^^^^^^^^^^^^^ keyword.control.directive.copyscope
//                 ^^ comment.block.c - keyword.control.directive.copyscope

/* Words that only look similar stay plain comment text:
   my-copyscope-disable copyscope-disabled copy/overlapping-memcpy */
// ^^^^^^^^^^^^^^^^^^^^ comment.block.c - keyword.control.directive.copyscope
//                      ^^^^^^^^^^^^^^^^^^ - keyword.control.directive.copyscope
//                                         ^^^^^^^^^^^^^^^^^^^^^^^ - entity.name.tag.rule.copyscope

const char *s = "copyscope-disable copy/overlapping-memcpy";
//               ^^^^^^^^^^^^^^^^^ string.quoted.double.c - keyword.control.directive.copyscope

int copyscope_disable = 0; /* plain code around a directive comment is untouched */
//  ^^^^^^^^^^^^^^^^^ - keyword.control.directive.copyscope
