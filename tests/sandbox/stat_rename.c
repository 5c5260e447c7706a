/* Creates, stats, renames, appends to and lists files: what the sandbox reports must be
   its own (inode numbers, device, times), the same on every engine and every run. */
#include <stdio.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <dirent.h>
int main(void) {
    int fd = open("a.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    write(fd, "hello", 5); close(fd);
    struct stat s; stat("a.txt", &s);
    printf("ino %lu dev %lu size %ld mtime %ld\n", (unsigned long)s.st_ino, (unsigned long)s.st_dev, (long)s.st_size, (long)s.st_mtime);
    rename("a.txt", "b.txt");
    fd = open("b.txt", O_WRONLY | O_APPEND); write(fd, "!", 1); close(fd);
    stat("b.txt", &s);
    printf("ino %lu size %ld mtime %ld ctime %ld\n", (unsigned long)s.st_ino, (long)s.st_size, (long)s.st_mtime, (long)s.st_ctime);
    mkdir("d", 0755); stat(".", &s); printf("root %lu\n", (unsigned long)s.st_ino);
    DIR *dir = opendir("."); struct dirent *e; long sum = 0; while ((e = readdir(dir))) sum += e->d_ino; closedir(dir);
    printf("sum %ld\n", sum);
    return 0;
}
